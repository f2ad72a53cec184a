"""What participants may do in each phase, and the ready-made workshop templates.

The server enforces this table for every command; the screens only mirror it.
The facilitator's moderation (hiding, editing, themes, merges) is not bound to a
phase: a room is run, not scripted.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import NotNow
from app.models import Phase, Workshop
from app.models.workshop import DEFAULT_PHASES

PHASE_LABELS = {
    Phase.LOBBY: _l("Welcome"),
    Phase.PROPOSE: _l("Propose"),
    Phase.DISCUSS: _l("Discuss"),
    Phase.CLUSTER: _l("Cluster"),
    Phase.VOTE: _l("Vote"),
    Phase.RESULTS: _l("Results"),
    Phase.TEAMS: _l("Teams"),
    Phase.CLOSED: _l("Closed"),
}

# action -> the phases in which a participant may do it
ALLOWED: dict[str, frozenset[str]] = {
    "propose": frozenset({Phase.PROPOSE}),
    "edit_own": frozenset({Phase.PROPOSE}),
    "comment": frozenset({Phase.DISCUSS, Phase.CLUSTER}),
    "react": frozenset({Phase.DISCUSS, Phase.CLUSTER}),
    "cluster": frozenset({Phase.CLUSTER}),
    "vote": frozenset({Phase.VOTE}),
    "team": frozenset({Phase.TEAMS}),
}

# Actions that the countdown's "lock at zero" stops.
TIMED = frozenset({"propose", "edit_own", "comment", "cluster", "vote"})

# Ready-made workshops: the new-workshop form starts from one of these.
TEMPLATES = {
    "strategy": {
        "label": _l("Strategy co-design"),
        "description": _l("Ideas, discussion, clustering into themes, then a vote."),
        "defaults": {
            "phases": [p.value for p in DEFAULT_PHASES],
            "anonymous": False,
            "participants_cluster": False,
        },
    },
    "markets": {
        "label": _l("Target-market selection"),
        "description": _l(
            "Propose third countries, discuss them, score them on the criteria, then form teams of "
            "companies to go there together."
        ),
        "defaults": {
            "phases": [
                p.value for p in (Phase.PROPOSE, Phase.DISCUSS, Phase.VOTE, Phase.RESULTS, Phase.TEAMS)
            ],
            "anonymous": False,
            "participants_cluster": False,
            "question": _l("Which third countries should our start-ups approach first, and why?"),
        },
    },
    "poll": {
        "label": _l("Quick poll"),
        "description": _l("Straight to an anonymous vote: no proposals, no discussion."),
        "defaults": {
            "phases": [Phase.VOTE.value, Phase.RESULTS.value],
            "anonymous": True,
            "participants_cluster": False,
        },
    },
}


def require(workshop: Workshop, action: str, now: datetime | None = None) -> None:
    """Refuse a participant's action that its phase (or the countdown) does not allow."""
    if not workshop.is_open or workshop.phase == Phase.CLOSED:
        raise NotNow(_("This workshop has ended."))
    if workshop.phase not in ALLOWED[action]:
        raise NotNow(
            _("Not now: the room is in the “%(phase)s” phase.", phase=PHASE_LABELS[Phase(workshop.phase)])
        )
    if action in TIMED and workshop.timer_lock_at_zero and workshop.timer_expired(now):
        raise NotNow(_("Time is up for this phase."))
    if action in ("propose", "edit_own") and not workshop.submissions_open:
        raise NotNow(_("Submissions are closed for the moment."))


def neighbours(workshop: Workshop) -> tuple[str | None, str | None]:
    """The previous and next phase among those this workshop runs."""
    phases = list(workshop.phases)
    i = phases.index(workshop.phase) if workshop.phase in phases else 0
    return (phases[i - 1] if i > 0 else None, phases[i + 1] if i + 1 < len(phases) else None)
