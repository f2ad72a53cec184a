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
- Contested ("worth discussing": opinions split). Each voter has one value per choice: the points
  they gave it (dots, 0 to the cap), the Borda points of its place in their ranking (0 to m - 1), or
  their own weighted score of the market (1-5). The voters in the outer quarter of the scale at
  one end form a camp: 1-2 and 4-5 of scores; no dot and all 3 with a cap of 3 (0-1 and 4-5 with a
  cap of 5); the last and the first places of a ranking (a quarter of them, at least one).
  Opinions split when each camp holds at least a third of the voters (SPLIT_CAMP_SHARE) and at
  least two of them (SPLIT_MIN_CAMP), so never under four voters. A spread alone said little in a
  small room: with four voters every market of a scoring round had one of a point or more.
  Comparisons allow 1e-9 of float error, so a value on the edge of a camp counts in it.

The package: common (constants, errors, shared statistics), validate (ballot checks), ranking
(dots, Borda, Schulze), scoring (weighted criteria, the 2x2) and segments (groups of 3 or more).
"""

from app.voting.tally.common import *  # noqa: F403
from app.voting.tally.ranking import *  # noqa: F403
from app.voting.tally.scoring import *  # noqa: F403
from app.voting.tally.segments import *  # noqa: F403
from app.voting.tally.validate import *  # noqa: F403
