"""The joint strategy: the target markets and recurring themes of the workshops a coordinator selects.

The dict `joint_strategy` returns is the one dataset of the joint page, its XLSX, JSON and PDF
downloads and the API, so they all say the same. How the market numbers are made is in
`method_text()`, which the page and the PDF show: rescale each workshop's weighted scores to 0..1
(min-max), then take the plain mean over the workshops that scored a country.
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
from app.strategy import themes
from app.voting.visibility import Viewer, outcome

MAX_WORKSHOPS = 100  # one strategy; a bigger selection is a mistake, and a slow page
SCALE_LOW, SCALE_HIGH = 1, 5  # the scoring scale of every round (app/voting/tally/scoring.py)
MAX_ID = 2**63 - 1  # larger ints overflow the database drivers: such ids are simply not found
DIGITS = 4  # scores as shown and exported; the sums use the unrounded values


@dataclass(frozen=True)
class Source:
    """One workshop's verdict on one country: its raw weighted score and where it sits in the room."""

    workshop: Workshop
    round_: Round
    raw: float
    normalised: float
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
            "normalised": round(self.normalised, DIGITS),
            "voters": self.voters,
            "item_ids": self.item_ids,
        }


def joint_strategy(workshop_ids: Iterable[int]) -> dict:
    """Combine the chosen workshops' market scores and themes into one strategy.

    Ids that name no workshop are left out and listed under "missing". Suggestions a
    coordinator dismissed are not suggested again (see themes.suggestions).
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
        "country (1 to 5, the criteria weighted as the facilitator set them; two proposals of one "
        "country are combined, weighted by their voters) is rescaled within the workshop: its best "
        "country gets 1 and its lowest 0. A workshop that scored one country only, or all alike, "
        "cannot rank them, so its score is placed on the 1-5 scale instead (3 becomes 0.5). The joint "
        "score is the mean over the workshops that scored the country, each workshop weighing the "
        "same however many people voted in it; the cluster columns take the same mean over one "
        "cluster's workshops. So a room of 40 does not outvote a room of 8, and a generous room and "
        "a strict one count alike."
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


def normalised(scores: dict[str, float]) -> dict[str, float]:
    """Min-max within one workshop; on the 1-5 scale when it cannot rank (one country, all alike)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low < 1e-9:
        span = SCALE_HIGH - SCALE_LOW
        return {c: min(1.0, max(0.0, (s - SCALE_LOW) / span)) for c, s in scores.items()}
    return {c: (s - low) / (high - low) for c, s in scores.items()}


def markets(workshops: list[Workshop], rounds: dict[int, Round | None], clusters: list[str]) -> list[dict]:
    """Target markets ranked by their joint score, with the clusters side by side and the sources."""
    sources: dict[str, list[Source]] = {}
    for workshop in workshops:
        round_ = rounds[workshop.id]
        if round_ is None:
            continue
        scores = country_scores(round_)
        norm = normalised({c: s for c, (s, _, _) in scores.items()})
        for country, (raw, voters, items) in scores.items():
            source = Source(workshop, round_, raw, norm[country], voters, items)
            sources.setdefault(country, []).append(source)
    rows = [_market_row(country, found, clusters) for country, found in sources.items()]
    rows.sort(key=lambda r: (-r["score"], -r["workshops"], r["country"]))
    for index, row in enumerate(rows):
        same = index and row["score"] == rows[index - 1]["score"]
        row["rank"] = rows[index - 1]["rank"] if same else index + 1
    return rows


def _market_row(country: str, sources: list[Source], clusters: list[str]) -> dict:
    by_cluster = {
        slug: _mean([s.normalised for s in sources if s.workshop.cluster.slug == slug]) for slug in clusters
    }
    return {
        "rank": 0,  # set once all rows are sorted
        "country": country,
        "country_name": country_name(country) or country,
        "score": _mean([s.normalised for s in sources]),
        "workshops": len(sources),
        "by_cluster": by_cluster,
        "sources": [s.to_dict() for s in sources],
    }


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
