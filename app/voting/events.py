"""Socket.IO events of voting rounds: thin adapters, one service call each, the ack."""

from __future__ import annotations

from app import realtime
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.voting import services

NS = realtime.NS


@realtime.command("open_round", STAFF)
def open_round(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator opens a round (method, target, limits, options); broadcasts round_changed."""
    return services.open_round(actor, op_id, data)


@realtime.command("close_round", STAFF)
def close_round(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator closes the open round; broadcasts round_changed."""
    return services.close_round(actor, op_id, data.get("round_id"))


@realtime.command("reveal_results", STAFF)
def reveal_results(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator shows or hides a round's results; round_changed, then tally_changed."""
    return services.reveal_results(actor, op_id, data.get("round_id"), data.get("revealed"))


@realtime.command("set_limits", STAFF)
def set_limits(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator changes a dot vote's budget and cap mid-round; round_changed."""
    return services.set_limits(actor, op_id, data.get("round_id"), data.get("budget"), data.get("cap"))


@realtime.command("rerun_round", STAFF)
def rerun_round(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator runs a round again as a new round; round_changed."""
    return services.rerun_round(actor, op_id, data.get("round_id"))


@realtime.command("cast_ballot", PARTICIPANT)
def cast_ballot(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant sends their whole ballot (with the version it replaces); ballot_changed to
    their own devices; the room's tally follows on a short timer (tally_changed)."""
    return services.cast_ballot(
        actor, op_id, data.get("round_id"), data.get("base_version"), data.get("ballot")
    )
