"""The joint strategy in an app context: market numbers against a hand-computed fixture, the
choice of round, recurring-theme suggestions and their confirmation, and the coordinator overview."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import Cluster, Role, StrategyTheme, StrategyThemeMember, Workshop
from app.strategy import matching, overview, services, themes
from app.voting import services as voting
from app.voting.tally_pump import tally_pump
from app.workshops.services import archive_workshop
from tests.conftest import make_item, make_participant, make_theme, make_user, make_workshop, op

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def no_tally_timer(monkeypatch) -> None:
    """Ballots mark their round for the tally broadcast; nothing listens here."""
    monkeypatch.setattr(tally_pump, "touch", lambda w, r: None)


def cluster_id(slug: str) -> int:
    return db.session.scalar(sa.select(Cluster.id).where(Cluster.slug == slug))


@dataclass
class Scored:
    """A workshop in the vote phase with market items and voters, and helpers to run scoring rounds."""

    workshop: Workshop
    voters: int
    markets: dict[str, int] = field(default_factory=dict)  # country -> item id
    pids: list[int] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)

    @property
    def staff(self) -> Actor:
        return Actor(self.workshop.id, STAFF, user_id=self.workshop.facilitator_id)

    def score(self, ballots: list[dict[str, tuple]], *, criteria=None, close=True, rerun=False) -> dict:
        """Open a scoring round on the markets (or rerun the last one), cast one ballot per voter
        ({market: (score per criterion, ...)}, markets named as in self.markets), and close it."""
        if rerun:
            round_ = voting.rerun_round(self.staff, op(), self.rounds[-1]["id"])["round"]
        else:
            settings = {"title": f"Markets {len(self.rounds) + 1}", "method": "scores", "target": "markets"}
            round_ = voting.open_round(
                self.staff, op(), settings | ({"criteria": criteria} if criteria else {})
            )["round"]
        option = {o["item_id"]: str(o["id"]) for o in round_["options"]}
        crits = [str(c["id"]) for c in round_["criteria"]]
        for pid, ballot in zip(self.pids, ballots, strict=False):
            data = {
                option[self.markets[m]]: dict(zip(crits, scores, strict=True)) for m, scores in ballot.items()
            }
            ack = voting.cast_ballot(
                Actor(self.workshop.id, PARTICIPANT, participant_id=pid), op(), round_["id"], 0, data
            )
            assert ack["ok"], ack
        if close:
            voting.close_round(self.staff, op(), round_["id"])
        self.rounds.append(round_)
        return round_


def scored_workshop(title: str, cluster: str, countries: list[str], voters: int, themes_=()) -> Scored:
    workshop = make_workshop(make_user(), phase="vote", title=title, cluster_id=cluster_id(cluster))
    room = Scored(workshop, voters)
    for country in countries:
        room.markets[country] = make_item(workshop, None, "a market", kind="market", country=country).id
    room.pids = [make_participant(workshop, f"Voter {i}").id for i in range(voters)]
    for name in themes_:
        make_theme(workshop, name)
    return room


def three_workshops() -> tuple[Scored, Scored, Scored]:
    """The hand-computed fixture: bwcon's workshops A (a big room) and C, Torino Wireless's B (small).

    Scores are the same on every criterion for a voter and country unless written out, so the
    weighted score is easy to follow. Expected numbers are in test_joint_markets_by_hand.
    """
    a = scored_workshop("A big room", "bwcon", ["IN", "BR", "JP"], 6, ["Funding", "Talent"])
    # Criteria weighted 2 : 1 : 1, so the weighted score is (2*c1 + c2 + c3) / 4.
    weights = [{"name": "Market", "weight": 2}, {"name": "Capital", "weight": 1}, {"name": "AI", "weight": 1}]
    a.score(
        [{"IN": (5, 4, 4), "BR": (3, 3, 3), "JP": (1, 3, 3)}] * 3
        + [{"IN": (5, 4, 4), "BR": (2, 2, 2), "JP": (1, 3, 3)}] * 3,
        criteria=weights,
    )
    b = scored_workshop(
        "B small room", "torino-wireless", ["BR", "IN", "VN"], 2, ["Finanzierung", "Regulation"]
    )
    b.score(
        [
            {"BR": (5, 5, 5), "IN": (3, 3, 3), "VN": (2, 2, 2)},
            {"BR": (5, 5, 5), "IN": (4, 4, 4), "VN": (3, 3, 3)},
        ]
    )
    c = scored_workshop("C reran", "bwcon", ["IN", "JP", "BR"], 3, ["Access to funding", "Local partners"])
    # Round 1 would put Japan first; it was run again, and the rerun (round 2) replaces it.
    c.score([{"JP": (5, 5, 5), "IN": (1, 1, 1)}] * 3)
    c.score(
        [
            {"IN": (4, 4, 4), "JP": (4, 4, 4)},
            {"IN": (4, 4, 4), "JP": (4, 4, 4)},
            {"IN": (4, 4, 4), "JP": (1, 1, 1)},
        ],
        rerun=True,
    )
    # A later round that is still open does not count either.
    c.score([{"BR": (5, 5, 5)}], close=False)
    return a, b, c


def test_joint_markets_by_hand(app):
    a, b, c = three_workshops()
    joint = services.joint_strategy([a.workshop.id, b.workshop.id, c.workshop.id])

    # Raw weighted scores (1-5) per workshop, and each workshop's leniency (the mean of its scores):
    # A (6 voters, weights 2:1:1): IN (2*5 + 4 + 4) / 4 = 4.5; BR means 2.5 on each criterion -> 2.5;
    #   JP (2*1 + 3 + 3) / 4 = 2.0. Mean (4.5 + 2.5 + 2.0) / 3 = 3.0.
    # B (2 voters, equal weights): BR 5.0, IN (3 + 4) / 2 = 3.5, VN (2 + 3) / 2 = 2.5. Mean 11 / 3.
    # C (3 voters; its rerun, round 2): IN 4.0, JP (4 + 4 + 1) / 3 = 3.0, BR unscored (left out). Mean 3.5.
    # The common level is the mean of the means: (3 + 11/3 + 3.5) / 3 = 61/18 = 3.3889. Each score moves by
    # its workshop's level - mean: A +7/18 (+0.3889), B -5/18 (-0.2778), C -2/18 (-0.1111):
    #   A: IN 4.8889, BR 2.8889, JP 2.3889;  B: BR 4.7222, IN 3.2222, VN 2.2222;  C: IN 3.8889, JP 2.8889.
    # Joint = mean over the workshops that scored the country, still on the 1-5 scale:
    #   IN (4.5 + 7/18 + 3.5 - 5/18 + 4.0 - 2/18) / 3 = 12 / 3 = 4.0; BR (2.8889 + 4.7222) / 2 = 3.8056;
    #   JP (2.3889 + 2.8889) / 2 = 2.6389; VN 2.2222.
    # Per cluster: bwcon = A and C (IN (4.8889 + 3.8889) / 2 = 4.3889), torino-wireless = B.
    # Agreement, the gap between the highest and the lowest: IN 4.8889 - 3.2222 = 1.6667 and BR 1.8333
    #   disagree (over a point); JP 2.8889 - 2.3889 = 0.5 agrees (within half a point); VN has one workshop.
    # Min-max (before) made A's JP, at 2.0, and C's JP, at 3.0, both 0.0: an empty bar, "nobody wants it".
    # Pooling every ballot instead would let A's 6 voters drown B's 2: BR (6 * 2.5 + 2 * 5) / 8 = 3.125,
    # below IN's pooled (6 * 4.5 + 2 * 3.5 + 3 * 4) / 11 = 4.18; per workshop, B's verdict weighs as A's.
    rows = [(m["rank"], m["country"], m["score"], m["workshops"], m["by_cluster"]) for m in joint["markets"]]
    assert rows == [
        (1, "IN", 4.0, 3, {"bwcon": 4.3889, "torino-wireless": 3.2222}),
        (2, "BR", 3.8056, 2, {"bwcon": 2.8889, "torino-wireless": 4.7222}),
        (3, "JP", 2.6389, 2, {"bwcon": 2.6389, "torino-wireless": None}),
        (4, "VN", 2.2222, 1, {"bwcon": None, "torino-wireless": 2.2222}),
    ]
    assert [(m["country"], m["agreement"]) for m in joint["markets"]] == [
        ("IN", {"low": 3.2222, "high": 4.8889, "gap": 1.6667, "level": "disagree"}),
        ("BR", {"low": 2.8889, "high": 4.7222, "gap": 1.8333, "level": "disagree"}),
        ("JP", {"low": 2.3889, "high": 2.8889, "gap": 0.5, "level": "agree"}),
        ("VN", {"low": 2.2222, "high": 2.2222, "gap": 0.0, "level": "one"}),
    ]
    india = joint["markets"][0]
    assert india["country_name"] == "India"
    sources = [
        (s["workshop_title"], s["round_title"], s["raw_score"], s["workshop_mean"], s["adjusted"])
        for s in india["sources"]
    ]
    assert sources == [
        ("A big room", "Markets 1", 4.5, 3.0, 4.8889),
        ("B small room", "Markets 1", 3.5, 3.6667, 3.2222),
        ("C reran", "Markets 1 (again)", 4.0, 3.5, 3.8889),
    ]
    assert india["sources"][0]["round_id"] == a.rounds[0]["id"]
    assert india["sources"][2]["round_id"] == c.rounds[1]["id"]
    assert india["sources"][0]["item_ids"] == [a.markets["IN"]]
    assert india["sources"][0]["voters"] == 6


def test_joint_shape_workshops_and_clusters(app):
    a, b, c = three_workshops()
    joint = services.joint_strategy([c.workshop.id, a.workshop.id, b.workshop.id, a.workshop.id])
    assert set(joint) >= {
        "generated_at",
        "method",
        "clusters",
        "workshops",
        "markets",
        "themes",
        "suggested_themes",
    }
    assert joint["generated_at"].endswith("Z")
    assert "leniency" in joint["method"] and "1 to 5" in joint["method"] and "agree" in joint["method"]
    assert joint["clusters"] == [
        {"slug": "bwcon", "name": "Baden-Württemberg: Connected"},
        {"slug": "torino-wireless", "name": "Fondazione Torino Wireless"},
    ]
    rows = [
        (w["title"], w["cluster"], w["participants"], w["markets_round"]["title"]) for w in joint["workshops"]
    ]
    assert rows == [  # in the order they were held, each once
        ("A big room", "bwcon", 6, "Markets 1"),
        ("B small room", "torino-wireless", 2, "Markets 1"),
        ("C reran", "bwcon", 3, "Markets 1 (again)"),
    ]
    assert joint["workshops"][0]["date"] == a.workshop.created_at.date().isoformat()
    assert joint["workshops"][0]["cluster_name"] == "Baden-Württemberg: Connected"


def test_unknown_ids_are_left_out_and_listed(app):
    a, b, c = three_workshops()
    joint = services.joint_strategy([a.workshop.id, 999_999, 2**70])
    assert [w["id"] for w in joint["workshops"]] == [a.workshop.id]
    assert joint["missing"] == [999_999, 2**70]
    # A alone: its own level is the common one, so its scores stay as they were.
    assert [(m["country"], m["score"]) for m in joint["markets"]] == [("IN", 4.5), ("BR", 2.5), ("JP", 2.0)]
    assert services.joint_strategy([])["workshops"] == []
    with pytest.raises(Invalid):
        services.joint_strategy(list(range(1, services.MAX_WORKSHOPS + 2)))


def test_leniency_comes_out_and_scores_stay_on_the_ballots_scale():
    assert services.leniency({"IN": 3.25, "BR": 2.92}) == pytest.approx(3.085)
    assert services.leniency({"IN": 4.0}) is None  # one country shows no leniency
    assert services.leniency({}) is None
    # The case: 3.25 and 2.92 stay 0.33 apart near the middle, not 1.00 and 0.00.
    close = services.adjusted({"IN": 3.25, "BR": 2.92}, 3.085, 3.0)
    assert close == {"IN": pytest.approx(3.165), "BR": pytest.approx(2.835)}
    assert services.adjusted({"IN": 4.0}, None, 2.0) == {"IN": 4.0}  # used as it is
    # A harsh room's best market and a lenient room's: kept within 1..5.
    assert services.adjusted({"IN": 5.0, "BR": 1.0}, 3.0, 4.5) == {"IN": 5.0, "BR": 2.5}
    assert services.adjusted({"IN": 1.0, "BR": 2.0}, 1.5, 1.0) == {"IN": 1.0, "BR": 1.5}


def test_one_country_workshop_and_two_proposals_of_one_country(app):
    solo = scored_workshop("Solo", "elinclus", ["KE", "NG"], 2)
    solo.score([{"KE": (4, 4, 4)}, {"KE": (4, 4, 4)}])  # Nigeria unscored: one country, 4.0 -> (4 - 1) / 4
    twice = scored_workshop("Twice", "cluster-ict", ["KE", "NG"], 4)
    twice.markets["KE2"] = make_item(twice.workshop, None, "Kenya again", kind="market", country="KE").id
    twice.score([{"KE": (4, 4, 4), "NG": (1, 1, 1)}] * 3 + [{"KE2": (2, 2, 2), "NG": (1, 1, 1)}])
    joint = services.joint_strategy([solo.workshop.id, twice.workshop.id])
    kenya, nigeria = joint["markets"]
    # Twice: Kenya's two proposals, 3 voters at 4.0 and 1 voter at 2.0: (3 * 4 + 1 * 2) / 4 = 3.5;
    # Nigeria 1.0; its mean 2.25 is the only leniency known, so the common level too: nothing moves.
    # Solo scored Kenya alone: no leniency to take out, its 4.0 counts as it is. Joint Kenya 3.75.
    assert [(s["workshop_title"], s["raw_score"], s["adjusted"], s["voters"]) for s in kenya["sources"]] == [
        ("Solo", 4.0, 4.0, 2),
        ("Twice", 3.5, 3.5, 4),
    ]
    assert kenya["sources"][1]["item_ids"] == [twice.markets["KE"], twice.markets["KE2"]]
    assert (kenya["country"], kenya["score"], kenya["rank"]) == ("KE", 3.75, 1)
    assert kenya["agreement"]["level"] == "agree"  # 4.0 and 3.5: within half a point
    assert (nigeria["country"], nigeria["score"], nigeria["workshops"]) == ("NG", 1.0, 1)


# --- recurring themes -------------------------------------------------------------------


def test_similar_theme_names_are_suggested_across_workshops(app):
    a, b, c = three_workshops()
    joint = services.joint_strategy([a.workshop.id, b.workshop.id, c.workshop.id])
    suggested = [
        (s["name"], [(t["theme_name"], t["workshop_title"]) for t in s["themes"]])
        for s in joint["suggested_themes"]
    ]
    # "Finanzierung" matches by topic (the lexicon's <funding>), "Access to funding" by a shared word.
    assert suggested == [
        (
            "Funding",
            [("Funding", "A big room"), ("Finanzierung", "B small room"), ("Access to funding", "C reran")],
        )
    ]
    assert joint["themes"] == []


def test_themes_of_one_workshop_are_not_suggested_together(app):
    one = scored_workshop("One", "bwcon", [], 0, ["Funding", "Financing", "Talent"])
    other = scored_workshop("Other", "bwcon", [], 0, ["Regulation"])
    assert services.joint_strategy([one.workshop.id, other.workshop.id])["suggested_themes"] == []
    assert themes.suggestions([one.workshop]) == []  # one workshop: nothing recurs


def test_matching_threshold_and_names():
    sim = matching.similarity(["Funding", "Access to funding", "Fundamentals", "Partnerships", "Partnership"])
    assert sim[0, 1] >= matching.THRESHOLD  # one of two words shared
    assert sim[0, 2] < matching.THRESHOLD  # letters alike, not the same thing
    assert sim[3, 4] >= matching.THRESHOLD
    assert matching.words("  Zugang zur Förderung! 2 ") == ["zugang", "forderung"]
    assert matching.suggested_name(["Funding", "funding ", "Access to funding"]) == "Funding"
    assert matching.similarity([]).shape == (0, 0)
    assert matching.similarity(["", "??"])[0, 1] == 0.0


def test_confirm_restrict_rename_dissolve(app):
    a, b, c = three_workshops()
    coordinator = make_user(Role.COORDINATOR)
    funding = {
        t["theme_name"]: t["theme_id"]
        for t in themes.suggestions([a.workshop, b.workshop, c.workshop])[0]["themes"]
    }
    make_item(a.workshop, None, "Seed money", theme_id=funding["Funding"])
    make_item(a.workshop, None, "Hidden one", theme_id=funding["Funding"], state="hidden")
    make_item(b.workshop, None, "Förderprogramme", theme_id=funding["Finanzierung"])

    theme = themes.confirm(coordinator, list(funding.values()), "  Access to capital ")
    assert (theme.name, theme.created_by_id) == ("Access to capital", coordinator.id)
    assert sorted(m.theme_id for m in theme.members) == sorted(funding.values())

    joint = services.joint_strategy([a.workshop.id, b.workshop.id])
    assert joint["suggested_themes"] == []  # confirmed themes are not suggested again
    [confirmed] = joint["themes"]
    assert confirmed["name"] == "Access to capital"
    # Restricted to the selected workshops; live items only.
    assert [(w["workshop_title"], w["theme_name"], w["items"]) for w in confirmed["workshops"]] == [
        ("A big room", "Funding", ["Seed money"]),
        ("B small room", "Finanzierung", ["Förderprogramme"]),
    ]
    assert (
        services.joint_strategy([c.workshop.id])["themes"][0]["workshops"][0]["theme_name"]
        == "Access to funding"
    )

    themes.rename(theme.id, "Capital")
    assert services.joint_strategy([a.workshop.id])["themes"][0]["name"] == "Capital"
    assert themes.dissolve(theme.id) == "Capital"
    assert db.session.scalar(sa.select(sa.func.count(StrategyThemeMember.id))) == 0
    assert len(services.joint_strategy([a.workshop.id, b.workshop.id])["suggested_themes"]) == 1


def test_confirm_refuses_bad_groups_and_changes_nothing(app):
    a, b, c = three_workshops()
    coordinator = make_user(Role.COORDINATOR)
    ids = [t["theme_id"] for t in themes.suggestions([a.workshop, b.workshop, c.workshop])[0]["themes"]]
    a_themes = [
        t.id
        for t in db.session.scalars(sa.select(themes.Theme).where(themes.Theme.workshop_id == a.workshop.id))
    ]
    for bad, error in [
        ((ids, ""), Invalid),
        ((ids, "x" * 81), Invalid),
        ((ids, "nul\x00"), Invalid),
        ((ids[:1], "Funding"), Invalid),
        ((a_themes, "Same workshop"), Invalid),
        ((ids + [999_999], "Funding"), NotFound),
    ]:
        with pytest.raises(error):
            themes.confirm(coordinator, *bad)
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 0
    themes.confirm(coordinator, ids[:2], "Funding")
    with pytest.raises(Conflict):  # a workshop theme is in one recurring theme at most
        themes.confirm(coordinator, ids[1:], "Funding again")
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 1
    with pytest.raises(NotFound):
        themes.rename(999_999, "x")
    with pytest.raises(NotFound):
        themes.dissolve(2**70)


def test_dismissed_suggestions_are_not_shown(app):
    a, b, c = three_workshops()
    workshops = [a.workshop, b.workshop, c.workshop]
    [suggestion] = themes.suggestions(workshops)
    assert suggestion["key"] == themes.key(t["theme_id"] for t in suggestion["themes"])
    themes.dismiss(make_user(Role.COORDINATOR), suggestion["key"])
    themes.dismiss(make_user(Role.COORDINATOR), suggestion["key"])  # twice: nothing changes
    assert themes.suggestions(workshops) == []
    # With one workshop fewer the group is another one, and it is suggested.
    assert len(themes.suggestions(workshops[:2])) == 1


# --- the overview -------------------------------------------------------------------------


def test_overview_headlines_and_filters(app):
    a, b, c = three_workshops()
    dots = scored_workshop("Dots", "torino-wireless", [], 3)
    ideas = [make_item(dots.workshop, None, text).id for text in ("Tokyo desk", "Seoul mentors", "Booth")]
    round_ = voting.open_round(
        dots.staff, op(), {"title": "Ideas", "method": "dots", "target": "items", "item_ids": ideas}
    )["round"]
    o1, o2, _o3 = (str(o["id"]) for o in round_["options"])
    for pid, ballot in zip(dots.pids, [{o1: 3}, {o2: 3}, {o1: 1, o2: 1}], strict=True):
        voting.cast_ballot(
            Actor(dots.workshop.id, PARTICIPANT, participant_id=pid), op(), round_["id"], 0, ballot
        )
    voting.close_round(dots.staff, op(), round_["id"])
    archive_workshop(db.session.get(Workshop, b.workshop.id).facilitator, b.workshop.id)

    rows = {r.workshop.title: r for r in overview.overview()}
    assert [r.workshop.title for r in overview.overview()] == [
        "Dots",
        "C reran",
        "B small room",
        "A big room",
    ]
    assert (rows["A big room"].participants, rows["A big room"].items, rows["A big room"].rounds) == (6, 3, 1)
    top = rows["A big room"].top
    assert (top.label, top.score, top.method, top.tied) == ("India — a market", 4.5, "scores", 0)
    assert rows["C reran"].top.round_title == "Markets 1 (again)"  # the latest closed round, not the open one
    assert rows["C reran"].rounds == 3
    assert (rows["Dots"].top.label, rows["Dots"].top.score, rows["Dots"].top.tied) == ("Tokyo desk", 4, 1)

    assert {r.workshop.title for r in overview.overview(cluster="torino-wireless")} == {
        "Dots",
        "B small room",
    }
    assert [r.workshop.title for r in overview.overview(status="archived")] == ["B small room"]
    today = a.workshop.created_at.date()
    assert len(overview.overview(date_from=today, date_to=today)) == 4
    assert overview.overview(date_to=today.replace(year=today.year - 1)) == []


def test_workshop_detail(app):
    a, b, c = three_workshops()
    detail = overview.workshop_detail(c.workshop.id)
    assert [t.name for t, _items in detail["themes"]] == ["Access to funding", "Local partners"]
    assert [(r.number, res["rows"] is None) for r, res in detail["rounds"]] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert [(row["label"], row["score"]) for row in detail["rounds"][1][1]["rows"]][:2] == [
        ("India — a market", 4.0),
        ("Japan — a market", 3.0),
    ]
    with pytest.raises(NotFound):
        overview.workshop_detail(999_999)
