"""The teams across the workshops of a joint strategy: per market, who goes there from which
clusters, and the cross-cluster matches a coordinator may introduce.

Who may be read is app/core/teams.py's to say (names only where the workshop is named and the
member agreed); this module adds, for the coordinators, the email of a member who left one: their
consent to be introduced. A match is two members of one market's teams, in different clusters,
both having left an email, where what one looks for is what the other brings. The workshops' own
default tags are one tag whatever their language ("Technologie" meets "Tecnologia").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from app.core import teams as seen
from app.core.countries import country_name
from app.extensions import db
from app.models import Cluster, Introduction, Item, ItemKind, ItemState, Team, TeamMember, Workshop
from app.voting.visibility import Viewer
from app.workshops.services.teams import default_tags


def market_teams(workshops: list[Workshop], *, contacts: bool) -> list[dict]:
    """Per market (country code), the teams of these workshops: how many members, from which
    clusters and sectors, what they bring and look for, each member as a coordinator may read them
    (with `contacts`, the email of those who left one), and the cross-cluster matches."""
    found: dict[str, list[tuple[Workshop, Team]]] = {}
    for workshop in workshops:
        for team in seen.live_teams(workshop):
            if team.item.kind == ItemKind.MARKET and team.item.country:
                found.setdefault(team.item.country, []).append((workshop, team))
    clusters, words = cluster_names(), tag_words()
    done = introductions(found)
    rows = [_market(country, teams, clusters, words, done, contacts) for country, teams in found.items()]
    rows.sort(key=lambda r: (-r["members"], r["country"]))
    return rows


def _market(country: str, teams: list, clusters: dict, words: dict, done: dict, contacts: bool) -> dict:
    views = [_team(workshop, team, clusters, contacts) for workshop, team in teams]
    members = [m for view in views for m in view["members"]]
    return {
        "country": country,
        "country_name": country_name(country) or country,
        "members": len(members),
        "workshops": len({view["workshop_id"] for view in views}),
        "clusters": seen.counted(m["cluster"] for m in members),
        "sectors": seen.counted(m["sector"] for m in members),
        "brings_tags": seen.counted(tag for m in members for tag in m["brings_tags"]),
        "looks_tags": seen.counted(tag for m in members for tag in m["looks_tags"]),
        "teams": views,
        "matches": matches(country, members, words, done, contacts),
    }


def _team(workshop: Workshop, team: Team, clusters: dict, contacts: bool) -> dict:
    return {
        "team_id": team.id,
        "workshop_id": workshop.id,
        "workshop_title": workshop.title,
        "cluster": workshop.cluster.slug,
        "cluster_name": workshop.cluster.name,
        "label": team.item.text,
        "count": len(team.members),
        "members": [member(workshop, m, clusters, contacts) for m in team.members],
    }


def member(workshop: Workshop, row: TeamMember, clusters: dict, contacts: bool) -> dict:
    """A member as coordinators read them: named only where allowed, their email only where they
    left one (and `contacts`); a member who gave no cluster counts for the workshop's host cluster."""
    view = seen.member_view(workshop, row, Viewer.COORDINATOR, clusters)
    return view | {
        "participant_id": row.participant_id,
        "workshop_id": workshop.id,
        "workshop_title": workshop.title,
        "cluster": view["cluster"] or workshop.cluster.name,
        "email": row.contact_email if contacts else None,
    }


# --- matches -------------------------------------------------------------------------


@dataclass
class Side:
    """One participant in a market's teams, their memberships there taken together."""

    view: dict
    brings: dict[str, str] = field(default_factory=dict)  # a tag's key -> the tag as shown
    looks: dict[str, str] = field(default_factory=dict)


def matches(country: str, members: list[dict], words: dict, done: dict, contacts: bool) -> list[dict]:
    """Pairs of members of different clusters who both left an email, where one looks for what the
    other brings: with the tags that meet, each way, and whether they were introduced already."""
    sides = _sides(members, words)
    found = []
    for a, b in combinations(sorted(sides), 2):
        one, other = sides[a], sides[b]
        if one.view["cluster"] == other.view["cluster"]:
            continue
        first_gets = [tag for key, tag in other.brings.items() if key in one.looks]
        second_gets = [tag for key, tag in one.brings.items() if key in other.looks]
        if first_gets or second_gets:
            found.append(
                {
                    "first": _side_view(one.view, contacts),
                    "second": _side_view(other.view, contacts),
                    "first_looks_for": first_gets,
                    "second_looks_for": second_gets,
                    "introduced": _introduced(done.get((country, a, b))),
                }
            )
    return found


def _sides(members: list[dict], words: dict) -> dict[int, Side]:
    """The members who agreed to be contacted, by participant (a person in two teams of one market
    brings and looks for what they said in either)."""
    sides: dict[int, Side] = {}
    for m in members:
        if not m["contactable"]:
            continue
        side = sides.setdefault(m["participant_id"], Side(m))
        for tag in m["brings_tags"]:
            side.brings.setdefault(*tag_key(tag, words))
        for tag in m["looks_tags"]:
            side.looks.setdefault(*tag_key(tag, words))
    return sides


def _side_view(view: dict, contacts: bool) -> dict:
    keys = ("participant_id", "name", "organisation", "cluster", "sector", "brings", "looks_for")
    keys += ("workshop_id", "workshop_title")
    return {k: view[k] for k in keys} | {"email": view["email"] if contacts else None}


def _introduced(row: Introduction | None) -> dict | None:
    if row is None:
        return None
    return {"at": row.created_at.isoformat(timespec="seconds") + "Z", "by": row.introduced_by.name}


def introductions(found: dict[str, list]) -> dict[tuple[str, int, int], Introduction]:
    """The introductions already made in these markets, by (country, first, second)."""
    if not found:
        return {}
    rows = db.session.scalars(sa.select(Introduction).where(Introduction.country.in_(list(found))))
    return {(r.country, r.first_id, r.second_id): r for r in rows}


def pair(country: str, first_id: int, second_id: int, *, contacts: bool = True) -> tuple[dict, list] | None:
    """The match between these two participants in this market as it stands now, and their team
    memberships there; None when they are no match (any more): one withdrew their email, left the
    team, or they are of one cluster or their tags no longer meet."""
    a, b = sorted((first_id, second_id))
    rows = list(
        db.session.scalars(
            sa.select(TeamMember)
            .join(Team, Team.id == TeamMember.team_id)
            .join(Item, Item.id == Team.item_id)
            .where(
                TeamMember.participant_id.in_([a, b]),
                Item.country == country,
                Item.kind == ItemKind.MARKET,
                Item.state == ItemState.LIVE,
            )
            .order_by(TeamMember.id)
        )
    )
    clusters = cluster_names()
    members = [member(row.participant.workshop, row, clusters, contacts) for row in rows]
    found = matches(country, members, tag_words(), {}, contacts)
    return (found[0], rows) if found and a != b else None


# --- tags and clusters ------------------------------------------------------------------


def tag_words() -> dict[str, str]:
    """Each default tag, in any language we speak, folded -> the same tag in the reader's language."""
    languages = list(current_app.config["LANGUAGES"])
    shown = default_tags(str(get_locale() or "en"))
    words: dict[str, str] = {}
    for language in languages:
        for tag, word in zip(default_tags(language), shown, strict=True):
            words.setdefault(tag.casefold(), word)
    return words


def tag_key(tag: str, words: dict[str, str]) -> tuple[str, str]:
    """(how a tag is compared, how it is shown): a default tag as the reader calls it, another as written."""
    folded = tag.casefold()
    return ("default:" + words[folded], words[folded]) if folded in words else (folded, tag)


def cluster_names() -> dict[int, str]:
    return {cid: name for cid, name in db.session.execute(sa.select(Cluster.id, Cluster.name))}
