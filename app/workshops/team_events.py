"""Socket.IO events of the Teams phase. Thin adapters like events.py: one service call, the ack.

The service checks every field itself (types, lengths, the workshop's tags, the address), as the
others' forms do: a team's fields are lists and flags as much as text.
"""

from __future__ import annotations

from app import realtime
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.workshops.services import teams

MEMBER_FIELDS = ("brings", "looks_for", "brings_tags", "looks_tags", "contact_email", "show_name")
DEFAULTS = {"brings": "", "looks_for": "", "brings_tags": [], "looks_tags": [], "show_name": False}


@realtime.command("choose_teams", STAFF)
def choose_teams(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator chooses the teams (items, in order) and the tags; broadcasts teams_changed."""
    return teams.choose_teams(actor, op_id, data.get("item_ids"), data.get("tags"))


@realtime.command("join_team", PARTICIPANT)
def join_team(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant counts themselves in, or changes what they said; broadcasts team_changed."""
    fields = {name: data.get(name, DEFAULTS.get(name)) for name in MEMBER_FIELDS}
    return teams.join_team(actor, op_id, data.get("team_id"), **fields)


@realtime.command("leave_team", PARTICIPANT)
def leave_team(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant takes themselves out of a team (their email with them); broadcasts team_changed."""
    return teams.leave_team(actor, op_id, data.get("team_id"))


@realtime.command("withdraw_contact", PARTICIPANT)
def withdraw_contact(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant withdraws their email from one team (team_id) or all (none); team_changed to
    staff and their devices, contacts_changed to the members who had it."""
    return teams.withdraw_contact(actor, op_id, data.get("team_id"))
