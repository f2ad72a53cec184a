"""Teams: the facilitator chooses them, participants count themselves in, say what they bring and
look for, and may leave an email for their team. Each command is one transaction: check, write,
commit, then broadcast. Who sees what is app/core/teams.py's to say.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import budgets, realtime
from app.auth.actor import Actor
from app.auth.emails import problem
from app.core import phases
from app.core import teams as seen
from app.core.changes import bump, fetch, finish, lock, open_workshop, replay, unchanged
from app.core.countries import market_label
from app.core.teams import TOP, top_items  # noqa: F401 (read here too: the first public names)
from app.errors import Forbidden, Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Item, ItemKind, ItemState, Phase, Team, TeamMember, Workshop
from app.models.teams import TEXT_MAX

MAX_TEAMS = 12
MAX_TAGS = 12
TAG_MAX = 40
DEFAULT_TAGS = (
    _l("Sales contacts"),
    _l("Technology"),
    _l("Funding"),
    _l("Language and culture"),
    _l("Local partners"),
    _l("Regulation know-how"),
)


def default_tags(language: str) -> list[str]:
    """The tags a workshop offers until its facilitator writes their own, in its language."""
    with force_locale(language):
        return [str(tag) for tag in DEFAULT_TAGS]


def candidates(workshop: Workshop) -> list[dict]:
    """What the facilitator may make a team of: every live market, then every live idea, each saying
    whether it ranked in the top of a closed round and whether it is a team now."""
    top = {item.id: rank for rank, item in enumerate(seen.top_items(workshop))}
    chosen = {t.item_id for t in seen.live_teams(workshop)}
    items = db.session.scalars(
        sa.select(Item).where(Item.workshop_id == workshop.id, Item.state == ItemState.LIVE).order_by(Item.id)
    )
    rows = [
        {
            "item_id": item.id,
            "kind": item.kind,
            "label": market_label(item.text, item.country, workshop.language, short=True),
            "top": item.id in top,
            "chosen": item.id in chosen,
        }
        for item in items
    ]
    markets_first = {ItemKind.MARKET: 0, ItemKind.IDEA: 1}
    return sorted(
        rows, key=lambda r: (markets_first[r["kind"]], top.get(r["item_id"], len(top)), r["item_id"])
    )


# --- the facilitator -----------------------------------------------------------------


def choose_teams(actor: Actor, op_id: str | None, item_ids: object, tags: object) -> dict:
    """The facilitator chooses the teams (markets and ideas, in order) and the tags members pick
    from; a team left out goes with its members, a tag left out leaves their choices."""
    if stored := replay(actor, op_id):
        return stored
    if not actor.is_staff:
        raise Forbidden()
    tags = _tags(tags)
    workshop = lock(open_workshop(actor))
    items = _team_items(workshop, item_ids)
    teams = {t.item_id: t for t in db.session.scalars(sa.select(Team).where(Team.workshop_id == workshop.id))}
    if [t.item_id for t in seen.live_teams(workshop)] == [i.id for i in items] and tags == workshop.team_tags:
        return unchanged(actor, op_id, _setup_ack(workshop))
    for item_id, team in teams.items():
        if item_id not in {i.id for i in items}:
            db.session.delete(team)
    for position, item in enumerate(items):
        team = teams.get(item.id) or Team(workshop_id=workshop.id, item_id=item.id)
        team.position = position
        db.session.add(team)
    workshop.team_tags = tags
    _drop_unoffered_tags(workshop, tags)
    bump(workshop)
    return finish(actor, op_id, _setup_ack(workshop), seen.teams_messages(workshop))


def prepare(workshop: Workshop) -> None:
    """The room enters Teams: a workshop whose facilitator chose nothing gets the default teams (its
    top markets) and tags, so that the projector has something to show."""
    if not workshop.team_tags:
        workshop.team_tags = default_tags(workshop.language)
    if db.session.scalar(sa.select(Team.id).where(Team.workshop_id == workshop.id).limit(1)) is None:
        markets = [item for item in seen.top_items(workshop) if item.kind == ItemKind.MARKET]
        for position, item in enumerate(markets):
            db.session.add(Team(workshop_id=workshop.id, item_id=item.id, position=position))


def phase_messages(workshop: Workshop, before: str) -> list[realtime.Message]:
    """What the room's move from `before` means for the teams: entering Teams shows them; moving to
    closed (or back from it) gives (or takes back) the members' mutual contacts."""
    messages = seen.teams_messages(workshop) if workshop.phase == Phase.TEAMS else []
    if Phase.CLOSED in (workshop.phase, before) and workshop.phase != before:
        messages += seen.contact_messages(workshop, seen.live_teams(workshop))
    return messages


def _setup_ack(workshop: Workshop) -> dict:
    # No team in an ack: acks are kept (the command log), and a team's view names its members.
    return {"ok": True, "v": workshop.version}


def _team_items(workshop: Workshop, item_ids: object) -> list[Item]:
    if not isinstance(item_ids, list) or len(item_ids) > MAX_TEAMS:
        raise Invalid(_("Choose at most %(n)s teams.", n=MAX_TEAMS), field="item_ids")
    items = [fetch(Item, i, workshop.id) for i in item_ids]
    if any(item is None or item.state != ItemState.LIVE for item in items):
        raise NotFound(_("This item does not exist (any more)."), field="item_ids")
    if len({item.id for item in items}) != len(items):
        raise Invalid(_("Each market or idea makes one team."), field="item_ids")
    return items


def _tags(tags: object) -> list[str]:
    """The tags as written, each once whatever its case."""
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise Invalid(_("Give at most %(n)s tags.", n=MAX_TAGS), field="tags")
    cleaned = [tag.strip() if isinstance(tag, str) else None for tag in tags]
    if any(not tag or len(tag) > TAG_MAX or not _storable(tag) for tag in cleaned):
        raise Invalid(_("Each tag is a short text of 1 to %(n)s characters.", n=TAG_MAX), field="tags")
    if len({tag.casefold() for tag in cleaned}) != len(cleaned):
        raise Invalid(_("Each tag once, please."), field="tags")
    return cleaned


def _drop_unoffered_tags(workshop: Workshop, tags: list[str]) -> None:
    offered = set(tags)
    rows = db.session.scalars(
        sa.select(TeamMember).join(Team, Team.id == TeamMember.team_id).where(Team.workshop_id == workshop.id)
    )
    for member in rows:  # new lists: the JSON columns see only a new value
        if not offered.issuperset([*member.brings_tags, *member.looks_tags]):
            member.brings_tags = [t for t in member.brings_tags if t in offered]
            member.looks_tags = [t for t in member.looks_tags if t in offered]


# --- participants --------------------------------------------------------------------


def join_team(
    actor: Actor,
    op_id: str | None,
    team_id: object,
    *,
    brings: object = "",
    looks_for: object = "",
    brings_tags: object = (),
    looks_tags: object = (),
    contact_email: object = None,
    show_name: object = False,
) -> dict:
    """A participant counts themselves in (or changes what they said): what they bring and look
    for, and their consents: an email for their team, their name on the projector."""
    if stored := replay(actor, op_id):
        return stored
    if actor.participant_id is None:
        raise Forbidden()
    workshop = open_workshop(actor)
    phases.require(workshop, "team")
    fields = {
        "brings": _text(brings, "brings"),
        "looks_for": _text(looks_for, "looks_for"),
        "brings_tags": _chosen_tags(workshop, brings_tags, "brings_tags"),
        "looks_tags": _chosen_tags(workshop, looks_tags, "looks_tags"),
        "contact_email": _email(contact_email),
        "show_name": _flag(show_name, "show_name"),
    }
    budgets.contribute(actor, budgets.TEAM)  # before the lock: counting may let another greenlet run
    workshop = lock(workshop)
    team = _team(workshop, team_id)
    member = _membership(team, actor.participant_id)
    if member is not None and all(getattr(member, k) == v for k, v in fields.items()):
        return unchanged(actor, op_id, _member_ack(workshop, team, member))
    if member is None:
        member = TeamMember(team_id=team.id, participant_id=actor.participant_id)
        team.members.append(member)
    for name, value in fields.items():
        setattr(member, name, value)
    bump(workshop)
    return finish(actor, op_id, _member_ack(workshop, team, member), _member_messages(workshop, team, actor))


def leave_team(actor: Actor, op_id: str | None, team_id: object) -> dict:
    """A participant takes themselves out of a team, at any time: their email goes with them."""
    if stored := replay(actor, op_id):
        return stored
    if actor.participant_id is None:
        raise Forbidden()
    workshop = lock(_any_workshop(actor))
    team = _team(workshop, team_id)
    member = _membership(team, actor.participant_id)
    if member is None:
        return unchanged(actor, op_id, _member_ack(workshop, team, None))
    team.members.remove(member)
    db.session.delete(member)
    bump(workshop)
    return finish(actor, op_id, _member_ack(workshop, team, None), _member_messages(workshop, team, actor))


def withdraw_contact(actor: Actor, op_id: str | None, team_id: object = None) -> dict:
    """A participant withdraws the email they left for one team (or, without a team, for every team),
    at any time, also once the workshop has ended: nobody receives it any more."""
    if stored := replay(actor, op_id):
        return stored
    if actor.participant_id is None:
        raise Forbidden()
    workshop = lock(_any_workshop(actor))
    mine = seen.memberships(workshop, actor.participant_id)
    if team_id is not None:
        team = _team(workshop, team_id)
        mine = [m for m in mine if m.team_id == team.id]
    given = [m for m in mine if m.contact_email is not None]
    ack = {"ok": True, "v": workshop.version, "withdrawn": len(given)}
    if not given:
        return unchanged(actor, op_id, ack)
    for member in given:
        member.contact_email = None
    bump(workshop)
    ack["v"] = workshop.version
    pid = actor.participant_id
    messages = [m for member in given for m in seen.team_messages(workshop, member.team, pid)]
    if seen.contacts_open(workshop):
        messages += seen.contact_messages(workshop, [m.team for m in given], {pid})
    return finish(actor, op_id, ack, messages)


def _member_ack(workshop: Workshop, team: Team, member: TeamMember | None) -> dict:
    # Only whether they are in: acks are kept (the command log), an email withdrawn must not stay
    # there, nor others' names. The phone takes the rest from its own copy of `team_changed`.
    return {"ok": True, "v": workshop.version, "team_id": team.id, "joined": member is not None}


def _member_messages(workshop: Workshop, team: Team, actor: Actor) -> list[realtime.Message]:
    messages = seen.team_messages(workshop, team, actor.participant_id)
    if seen.contacts_open(workshop):  # someone left the team after the contacts were given
        messages += seen.contact_messages(workshop, [team], {actor.participant_id})
    return messages


def _any_workshop(actor: Actor) -> Workshop:
    """The actor's workshop, open or archived: taking one's data back is never refused as too late."""
    workshop = db.session.get(Workshop, actor.workshop_id)
    if workshop is None:
        raise NotNow(_("This workshop has ended."))
    return workshop


def _team(workshop: Workshop, team_id: object) -> Team:
    team = fetch(Team, team_id, workshop.id)
    if team is None or team.item.state != ItemState.LIVE:
        raise NotFound(_("This team does not exist (any more)."), field="team_id")
    return team


def _membership(team: Team, participant_id: int) -> TeamMember | None:
    return next((m for m in team.members if m.participant_id == participant_id), None)


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid(_("This field must be text."), field=field)
    value = value.strip()
    if len(value) > TEXT_MAX:
        raise Invalid(_("At most %(n)s characters, please.", n=TEXT_MAX), field=field)
    if not _storable(value):
        raise Invalid(_("This text contains a character that is not allowed."), field=field)
    return value


def _chosen_tags(workshop: Workshop, tags: object, field: str) -> list[str]:
    """The workshop's tags the member picked, in the workshop's order."""
    if isinstance(tags, tuple):
        tags = list(tags)
    offered = list(workshop.team_tags or [])
    if not isinstance(tags, list) or any(not isinstance(t, str) or t not in offered for t in tags):
        raise Invalid(_("Pick tags from the list."), field=field)
    return [t for t in offered if t in tags]


def _email(value: object) -> str | None:
    """No email (None or blank) is no consent; an address must be one that can receive mail."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise Invalid(_("This field must be text."), field="contact_email")
    value = value.strip()
    if not _storable(value):
        raise Invalid(_("This text contains a character that is not allowed."), field="contact_email")
    if message := problem(value):
        raise Invalid(message, field="contact_email")
    return value


def _flag(value: object, field: str) -> bool:
    if type(value) is not bool:
        raise Invalid(_("The request was not understood."), field=field)
    return value


def _storable(text: str) -> bool:
    """No NUL (PostgreSQL drivers raise) and no lone surrogate (it cannot be stored)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
