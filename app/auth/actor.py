"""Who is acting in a workshop: taken from the server-side session, never from a payload."""

from __future__ import annotations

from dataclasses import dataclass

STAFF = "staff"  # the facilitator's cockpit (the workshop's facilitator or an administrator)
SCREEN = "screen"  # the projector, opened from the facilitator's laptop
PARTICIPANT = "participant"  # a phone


@dataclass(frozen=True)
class Actor:
    workshop_id: int
    role: str
    participant_id: int | None = None
    user_id: int | None = None
    session_version: int | None = None  # staff: the version of the session that connected

    @property
    def key(self) -> str:
        """A stable name for this actor, used to scope operation ids."""
        return f"p{self.participant_id}" if self.participant_id else f"u{self.user_id}"

    @property
    def is_staff(self) -> bool:
        return self.role == STAFF
