"""Voting round use cases. Each is one transaction: check, write, commit, then broadcast.

rounds.py opens, reruns, closes and reveals rounds (opening.py checks what a round is opened
with); casting.py takes a participant's ballot.
"""

from app.voting.services.casting import cast_ballot
from app.voting.services.rounds import close_round, open_round, rerun_round, reveal_results, set_limits

__all__ = ["cast_ballot", "close_round", "open_round", "rerun_round", "reveal_results", "set_limits"]
