"""Who sees what of the teams: the one home of their consent rules.

Every reader of a workshop's teams comes here: the cockpit, the projector, the phones, the
workshop's exports, the coordinators' joint strategy and the API, and "My data". The rules:
- names (and organisations) reach the cockpit in a named workshop; the projector, the phones,
  the coordinators and the files only where the member also agreed (`show_name`); an anonymous
  workshop names nobody, anywhere (KEPT);
- a contact email reaches only the other members of that team who left theirs too, on their
  phones, once the facilitator has moved on from Teams (`contacts_open`), and "My data". The
  coordinators' introductions (the joint strategy) read `contactable` and the column itself;
  no screen, file or API of this module carries an email but the member's own and those.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app import realtime
from app.core.countries import country_name
from app.extensions import db
from app.models import Cluster, Item, ItemState, Phase, Round, Team, TeamMember, Workshop
from app.models.voting import RoundStatus
from app.voting.visibility import Viewer, outcome

TOP = 3  # a market ranked this high in a closed round is a team by default


def top_items(workshop: Workshop) -> list[Item]:
    """The live items ranked in the first TOP of any closed round, best first: the markets among them
    are the default teams, the ideas the ones a facilitator may tick."""
    rounds = db.session.scalars(
        sa.select(Round)
        .where(Round.workshop_id == workshop.id, Round.status == RoundStatus.CLOSED)
        .order_by(Round.number)
    )
    ranked: dict[int, int] = {}  # item id -> its best rank
    for round_ in rounds:
        items = {o.id: o.item for o in round_.shown_options if o.item is not None}
        for row in outcome(round_, Viewer.STAFF).get("results", []):
            item = items.get(row["item_id"])
            if item and row["rank"] is not None and row["rank"] <= TOP and item.state == ItemState.LIVE:
                ranked[item.id] = min(row["rank"], ranked.get(item.id, TOP))
    found = [db.session.get(Item, i) for i in ranked]
    return sorted(found, key=lambda item: (ranked[item.id], item.id))


def shows_name(workshop: Workshop, member: TeamMember, viewer: Viewer) -> bool:
    """Whether this viewer may read the member's name and organisation."""
    if workshop.anonymous:
        return False
    return viewer == Viewer.STAFF or member.show_name


def contacts_open(workshop: Workshop) -> bool:
    """Mutual contacts are given once the room has moved on from Teams (closed, or archived)."""
    return workshop.phase == Phase.CLOSED or not workshop.is_open


def live_teams(workshop: Workshop) -> list[Team]:
    """The workshop's teams in order, those whose item moderation took out left out (KEPT)."""
    teams = db.session.scalars(
        sa.select(Team).where(Team.workshop_id == workshop.id).order_by(Team.position, Team.id)
    )
    return [t for t in teams if t.item.state == ItemState.LIVE]


def teams_of(workshop: Workshop, viewer: Viewer) -> list[dict]:
    """Every team of the workshop as this viewer may see it."""
    clusters = _cluster_names()
    return [team_view(workshop, team, viewer, clusters) for team in live_teams(workshop)]


def team_view(workshop: Workshop, team: Team, viewer: Viewer, clusters: dict | None = None) -> dict:
    """One team: its market or idea, how many, from which clusters and sectors, the tags they bring
    and look for, and the names this viewer may read; staff and coordinators also get each member."""
    clusters = clusters if clusters is not None else _cluster_names()
    members = team.members
    item = team.item
    data = {
        "id": team.id,
        "item_id": item.id,
        "kind": item.kind,
        "label": item.text,
        "country": item.country,
        "country_name": country_name(item.country, workshop.language) if item.country else None,
        "position": team.position,
        "count": len(members),
        "clusters": counted(clusters.get(m.participant.cluster_id) for m in members),
        "sectors": counted(m.participant.sector for m in members),
        "brings_tags": counted(tag for m in members for tag in m.brings_tags or []),
        "looks_tags": counted(tag for m in members for tag in m.looks_tags or []),
        "names": [m.participant.display_name for m in members if _named(workshop, m, viewer)],
    }
    if viewer != Viewer.ROOM:
        data["members"] = [member_view(workshop, m, viewer, clusters) for m in members]
    return data


def member_view(workshop: Workshop, member: TeamMember, viewer: Viewer, clusters: dict) -> dict:
    """A member as the cockpit (STAFF) or a coordinator and the files (COORDINATOR) read them:
    never their email, only whether they agreed to be contacted."""
    named = shows_name(workshop, member, viewer)
    person = member.participant
    return {
        "id": member.id,
        "name": (person.display_name or None) if named else None,
        "organisation": (person.organisation or None) if named else None,
        "cluster": clusters.get(person.cluster_id),
        "sector": person.sector,
        "brings": member.brings,
        "looks_for": member.looks_for,
        "brings_tags": list(member.brings_tags or []),
        "looks_tags": list(member.looks_tags or []),
        "contactable": member.contact_email is not None,
    }


def _named(workshop: Workshop, member: TeamMember, viewer: Viewer) -> bool:
    return shows_name(workshop, member, viewer) and bool(member.participant.display_name)


def counted(values) -> list[list]:
    """[[value, how many], …], the most first, then by value; None (not given) last."""
    counts = Counter(values)
    return [[v, n] for v, n in sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1], str(kv[0])))]


def _cluster_names() -> dict[int, str]:
    return {cid: name for cid, name in db.session.execute(sa.select(Cluster.id, Cluster.name))}


# --- one person's --------------------------------------------------------------------


def memberships(workshop: Workshop, participant_id: int) -> list[TeamMember]:
    """The teams this participant counted themselves in, in the teams' order."""
    return list(
        db.session.scalars(
            sa.select(TeamMember)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.workshop_id == workshop.id, TeamMember.participant_id == participant_id)
            .order_by(Team.position, Team.id)
        )
    )


def my_teams(workshop: Workshop, participant_id: int) -> dict[str, dict]:
    """The participant's own memberships by team id, as their phone edits them."""
    return {str(m.team_id): m.own_dict() for m in memberships(workshop, participant_id)}


def contacts_for(workshop: Workshop, participant_id: int) -> dict[str, list[dict]]:
    """Mutual contacts by team id: in each team where this participant left an email, the other
    members who left theirs too; nothing before the room has moved on from Teams."""
    if not contacts_open(workshop):
        return {}
    contacts: dict[str, list[dict]] = {}
    for mine in memberships(workshop, participant_id):
        if mine.contact_email is None or mine.team.item.state != ItemState.LIVE:
            continue
        contacts[str(mine.team_id)] = [
            {
                "name": m.participant.display_name or None,
                "organisation": m.participant.organisation or None,
                "email": m.contact_email,
            }
            for m in mine.team.members
            if m.participant_id != participant_id and m.contact_email is not None
        ]
    return contacts


# --- the live screens ----------------------------------------------------------------


def snapshot_part(workshop: Workshop, staff: bool) -> dict:
    """The teams as an audience's screens may see them (staff, or the room), and the tags; staff
    also the items the results put on top (the cockpit suggests them as teams)."""
    part = {
        "teams": teams_of(workshop, Viewer.STAFF if staff else Viewer.ROOM),
        "team_tags": list(workshop.team_tags or []),
    }
    if staff:
        part["team_top"] = [item.id for item in top_items(workshop)]
    return part


def own_part(workshop: Workshop, participant_id: int) -> dict:
    """A phone's own memberships and, once given, its mutual contacts."""
    return {
        "my_teams": my_teams(workshop, participant_id),
        "contacts": contacts_for(workshop, participant_id),
    }


def teams_messages(workshop: Workshop) -> list[realtime.Message]:
    """The facilitator chose the teams or their tags: every screen gets the whole set."""
    v, tags = workshop.version, list(workshop.team_tags or [])
    staff = {"v": v, "teams": teams_of(workshop, Viewer.STAFF), "team_tags": tags}
    room = {"v": v, "teams": teams_of(workshop, Viewer.ROOM), "team_tags": tags}
    return [
        (realtime.room_staff(workshop.id), "teams_changed", staff),
        (realtime.room_public(workshop.id), "teams_changed", room),
    ]


def team_messages(
    workshop: Workshop, team: Team, participant_id: int | None = None
) -> list[realtime.Message]:
    """One team changed (someone came, went or changed what they bring): staff and the room each get
    their copy; the member's own devices also get their membership (`mine`, null once they left)."""
    v, room = workshop.version, team_view(workshop, team, Viewer.ROOM)
    staff = team_view(workshop, team, Viewer.STAFF)
    messages = [
        (realtime.room_staff(workshop.id), "team_changed", {"v": v, "team": staff}),
        (realtime.room_public(workshop.id), "team_changed", {"v": v, "team": room}),
    ]
    if participant_id is not None:
        mine = next((m.own_dict() for m in team.members if m.participant_id == participant_id), None)
        own = {"v": v, "team": room, "mine": mine}
        messages.append((realtime.room_participant(participant_id), "team_changed", own))
    return messages


def contact_messages(
    workshop: Workshop, teams: list[Team], also: set[int] = frozenset()
) -> list[realtime.Message]:
    """Each member of these teams who left an email (and `also` these people: one who just withdrew
    theirs or left) learns their mutual contacts afresh: an email left or withdrawn, the room moving
    on from Teams or back to it."""
    people = {m.participant_id for team in teams for m in team.members if m.contact_email is not None}
    people |= set(also)
    return [
        (
            realtime.room_participant(pid),
            "contacts_changed",
            {"v": workshop.version, "contacts": contacts_for(workshop, pid)},
        )
        for pid in sorted(people)
    ]
