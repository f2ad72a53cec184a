"""Ballot checks and tallies for voting rounds: dot votes, rankings (Borda, Schulze) and weighted scoring.

Plain Python: no Flask, no database. Services validate a ballot here before they store it and tally
the stored ballots here before they broadcast. Floats are never rounded in the math, only in to_dict().

Choices the results depend on (the tests pin each one):

- Unranked items. A ranking may list only some items (a top N, or items added after the voter
  ranked). The listed items are preferred to every unlisted one, and the unlisted ones are tied
  with each other. Borda gives them the mean of the points left over (m items, k ranked: each
  unranked item gets (m - k - 1) / 2), so every ballot hands out the same m(m-1)/2 points and
  truncating a ballot does not inflate its weight; Schulze counts them the same way (tied, below).
- Spread. Population standard deviation over every voter of the round, zeros included: in a dot
  vote, "no points" is a choice out of a small budget, and leaving it out would make an item with
  three fans and twenty indifferent voters look unanimous. For scoring it is the weighted mean of
  the per-criterion deviations, not the deviation of each voter's weighted score: two voters
  scoring (5, 1) and (1, 5) on two equal criteria agree on the weighted score but on nothing else.
- Contested. At least CONTESTED_MIN_VOTERS voters and a spread of at least `share` times half the
  scale (the largest spread a scale allows is half of it: half the room at each end). Dots and
  rankings use SPLIT_SHARE = 0.8: with a cap of 3, between a fifth and four fifths of the room give
  an item all 3 points and the rest none. Scores use SCORE_SHARE = 0.5: a spread of a full point
  on 1-5. Comparisons allow 1e-9 of float error, so a result on the boundary counts as contested.

The package: common (constants, errors, shared statistics), validate (ballot checks), ranking
(dots, Borda, Schulze), scoring (weighted criteria, the 2x2) and segments (groups of 3 or more).
"""

from app.voting.tally.common import *  # noqa: F403
from app.voting.tally.ranking import *  # noqa: F403
from app.voting.tally.scoring import *  # noqa: F403
from app.voting.tally.segments import *  # noqa: F403
from app.voting.tally.validate import *  # noqa: F403
