"""The joint strategy: the target markets and recurring themes of the workshops a coordinator selects.

The dict `joint_strategy` returns is the one dataset of the joint page, its XLSX, JSON and PDF
downloads and the API, so they all say the same. How the market numbers are made is in
`method_text()`, which the page and the PDF show: take away each workshop's leniency (the mean of
its weighted scores) and add back the workshops' common level, so every number stays on the 1-5
scale of the ballots; then take the plain mean over the workshops that scored a country, and say
how far they agree. Min-max rescaling (used before) turned a workshop's 3.25 and 2.92 into 1.00
and 0.00, and drew a market that scored near the middle as an empty bar, as if nobody wanted it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.countries import country_name
from app.errors import Invalid
from app.extensions import db
from app.models import Participant, Round, Workshop, utcnow
from app.models.voting import Method, RoundStatus, Target
from app.strategy import teams, themes
from app.voting.visibility import Viewer, outcome

MAX_WORKSHOPS = 100  # one strategy; a bigger selection is a mistake, and a slow page
SCALE_LOW, SCALE_HIGH = 1, 5  # the scoring scale of every round (app/voting/tally/scoring.py)
MAX_ID = 2**63 - 1  # larger ints overflow the database drivers: such ids are simply not found
DIGITS = 4  # scores as shown and exported; the sums use the unrounded values
# How far apart the workshops' leniency-free scores of one market may be (points on the 1-5 scale)
# for them to "agree", or "roughly agree": a quarter of a point is less than one voter in four
# moving one step; a whole point is a quarter of the scale.
AGREE, ROUGHLY = 0.5, 1.0


@dataclass(frozen=True)
class Source:
    """One workshop's verdict on one country: its raw weighted score, the workshop's own mean (its
    leniency), and the score with that leniency taken out, on the 1-5 scale."""

    workshop: Workshop
    round_: Round
    raw: float
    workshop_mean: float
    adjusted: float
    voters: int
    item_ids: list[int]

    def to_dict(self) -> dict:
        return {
            "workshop_id": self.workshop.id,
            "workshop_title": self.workshop.title,
            "cluster": self.workshop.cluster.slug,
            "round_id": self.round_.id,
            "round_title": self.round_.title,
            "raw_score": self.raw,
            "workshop_mean": round(self.workshop_mean, DIGITS),
            "adjusted": round(self.adjusted, DIGITS),
            "voters": self.voters,
            "item_ids": self.item_ids,
        }


def joint_strategy(workshop_ids: Iterable[int], *, contacts: bool = False) -> dict:
    """Combine the chosen workshops' market scores, themes and market teams into one strategy.

    Ids that name no workshop are left out and listed under "missing". Suggestions a
    coordinator dismissed are not suggested again (see themes.suggestions). With `contacts` (the
    coordinators' page, files and API), a team member who left an email is given with it: their
    consent to be introduced by the clusters' coordinators.
    """
    ids = selection(workshop_ids)
    workshops = list(
        db.session.scalars(
            sa.select(Workshop)
            .where(Workshop.id.in_([i for i in ids if 0 < i <= MAX_ID]))
            .order_by(Workshop.created_at, Workshop.id)
        )
    )
    found = {w.id for w in workshops}
    rounds = {w.id: market_round(w.id) for w in workshops}
    clusters = sorted({w.cluster_id: w.cluster for w in workshops}.values(), key=lambda c: c.id)
    return {
        "generated_at": utcnow().isoformat(timespec="seconds") + "Z",
        "method": method_text(),
        "clusters": [{"slug": c.slug, "name": c.name} for c in clusters],
        "workshops": [_workshop_row(w, rounds[w.id]) for w in workshops],
        "missing": [i for i in ids if i not in found],
        "markets": markets(workshops, rounds, [c.slug for c in clusters]),
        "themes": themes.confirmed(list(found)),
        "suggested_themes": themes.suggestions(workshops),
        "teams": teams.market_teams(workshops, contacts=contacts),
    }


def selection(workshop_ids: Iterable[int]) -> list[int]:
    """The ids in the order given, each once; more than MAX_WORKSHOPS is refused."""
    ids = list(dict.fromkeys(i for i in workshop_ids if type(i) is int))
    if len(ids) > MAX_WORKSHOPS:
        raise Invalid(_("Choose at most %(n)d workshops.", n=MAX_WORKSHOPS), field="w")
    return ids


def method_text() -> str:
    return _(
        "Each workshop counts with its latest closed round scoring target markets (a round that was "
        "run again is replaced by its rerun once that closes). The round's weighted score per "
        "country is on the ballots' scale from 1 to 5 (the criteria weighted as the facilitator set "
        "them; two proposals of one country are combined, weighted by their voters). Some rooms score "
        "everything higher than others: each workshop's leniency, the mean of its scores, is taken "
        "away, and the mean of all the workshops' means is added back, so every score stays on the 1 "
        "to 5 scale and only says how a market stood against the others of its room. A workshop that "
        "scored one country only cannot show its leniency: its score is used as it is. The joint "
        "score is the mean over the workshops that scored the country, each workshop weighing the "
        "same however many people voted in it; the cluster columns take the same mean over one "
        "cluster's workshops. Agreement is how far apart the workshops' scores of a market are: "
        "within half a point they agree, within one point they roughly agree, further apart they "
        "disagree. Nothing is stretched: a market that scored near the middle is drawn near the "
        "middle, not as an empty bar."
    )


def market_round(workshop_id: int) -> Round | None:
    """The round that stands for a workshop's market scores: its latest closed scoring round on
    markets, unless a rerun of it has closed too (a rerun replaces the round it repeats)."""
    closed = list(
        db.session.scalars(
            sa.select(Round)
            .where(
                Round.workshop_id == workshop_id,
                Round.method == Method.SCORES,
                Round.target == Target.MARKETS,
                Round.status == RoundStatus.CLOSED,
            )
            .order_by(Round.number.desc())
        )
    )
    replaced = {r.rerun_of_id for r in closed}
    return next((r for r in closed if r.id not in replaced), None)


def country_scores(round_: Round) -> dict[str, tuple[float, int, list[int]]]:
    """Per country: the weighted score (1-5), its voters and the items behind it, from the round's results.

    Two options of one country (two people proposed it) are combined as the voter-weighted mean
    of their weighted scores. Unscored options and options without a country are left out.
    """
    options = {o.id: o for o in round_.options}
    rows: dict[str, list[tuple[float, int, int | None]]] = {}
    for result in outcome(round_, Viewer.COORDINATOR).get("results", []):
        option = options.get(result["item_id"])  # the tally names options by id
        if result["weighted_score"] is None or option is None or not option.country:
            continue
        rows.setdefault(option.country, []).append(
            (result["weighted_score"], result["voters"], option.item_id)
        )
    out = {}
    for country, parts in rows.items():
        voters = sum(v for _, v, _ in parts)
        score = math.fsum(s * v for s, v, _ in parts) / voters
        out[country] = (score, voters, [i for _, _, i in parts if i is not None])
    return out


def leniency(scores: dict[str, float]) -> float | None:
    """A workshop's leniency: the mean of its countries' scores; None when it scored one country
    only (or none), which shows nothing about how generously the room scored."""
    return math.fsum(scores.values()) / len(scores) if len(scores) >= 2 else None


def adjusted(scores: dict[str, float], mean: float | None, level: float) -> dict[str, float]:
    """Scores with the workshop's leniency taken out and the common level added back, kept on 1-5."""
    if mean is None:
        return dict(scores)
    return {c: min(SCALE_HIGH, max(SCALE_LOW, s - mean + level)) for c, s in scores.items()}


def markets(workshops: list[Workshop], rounds: dict[int, Round | None], clusters: list[str]) -> list[dict]:
    """Target markets ranked by their joint score, with the clusters side by side and the sources."""
    scored = {w.id: country_scores(rounds[w.id]) for w in workshops if rounds[w.id] is not None}
    means = {wid: leniency({c: s for c, (s, _, _) in found.items()}) for wid, found in scored.items()}
    known = [m for m in means.values() if m is not None]
    level = math.fsum(known) / len(known) if known else (SCALE_LOW + SCALE_HIGH) / 2
    sources: dict[str, list[Source]] = {}
    for workshop in workshops:
        if workshop.id not in scored:
            continue
        found, mean = scored[workshop.id], means[workshop.id]
        fair = adjusted({c: s for c, (s, _, _) in found.items()}, mean, level)
        for country, (raw, voters, items) in found.items():
            own = raw if mean is None else mean
            source = Source(workshop, rounds[workshop.id], raw, own, fair[country], voters, items)
            sources.setdefault(country, []).append(source)
    rows = [_market_row(country, found, clusters) for country, found in sources.items()]
    rows.sort(key=lambda r: (-r["score"], -r["workshops"], r["country"]))
    for index, row in enumerate(rows):
        same = index and row["score"] == rows[index - 1]["score"]
        row["rank"] = rows[index - 1]["rank"] if same else index + 1
    return rows


def _market_row(country: str, sources: list[Source], clusters: list[str]) -> dict:
    by_cluster = {
        slug: _mean([s.adjusted for s in sources if s.workshop.cluster.slug == slug]) for slug in clusters
    }
    return {
        "rank": 0,  # set once all rows are sorted
        "country": country,
        "country_name": country_name(country) or country,
        "score": _mean([s.adjusted for s in sources]),
        "workshops": len(sources),
        "agreement": agreement([s.adjusted for s in sources]),
        "by_cluster": by_cluster,
        "sources": [s.to_dict() for s in sources],
    }


def agreement_label(level: str) -> str:
    """The word for how far the workshops agree on a market (agreement's "level")."""
    return {
        "agree": _("the workshops agree"),
        "roughly": _("the workshops roughly agree"),
        "disagree": _("the workshops disagree"),
    }.get(level, _("one workshop only"))


def agreement(scores: list[float]) -> dict:
    """How far the workshops' scores of one market are apart: the lowest, the highest, the gap, and
    a word for it (one workshop: nothing to compare)."""
    low, high = min(scores), max(scores)
    gap = round(high - low, DIGITS)  # compared as shown: 0.5 agrees, whatever the float's last digit
    if len(scores) < 2:
        level = "one"
    else:
        level = "agree" if gap <= AGREE else "roughly" if gap <= ROUGHLY else "disagree"
    return {"low": round(low, DIGITS), "high": round(high, DIGITS), "gap": gap, "level": level}


def _mean(values: list[float]) -> float | None:
    return round(math.fsum(values) / len(values), DIGITS) if values else None


def _workshop_row(workshop: Workshop, round_: Round | None) -> dict:
    participants = db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(Participant.workshop_id == workshop.id)
    )
    return {
        "id": workshop.id,
        "title": workshop.title,
        "cluster": workshop.cluster.slug,
        "cluster_name": workshop.cluster.name,
        "date": workshop.created_at.date().isoformat(),
        "status": workshop.status,
        "participants": participants,
        "markets_round": {"id": round_.id, "title": round_.title} if round_ else None,
    }
