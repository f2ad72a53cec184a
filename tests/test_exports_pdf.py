"""The PDF reports, read back with pypdf as a user's PDF tool would read them.

The workshop report is rendered from app.exports.archive.build() of a workshop built through the
services (ballots cast, rounds closed); the joint report from a dict shaped as app.strategy builds it.
User text carries markup payloads that must come out as the same characters, never as markup.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.exports import archive
from app.exports.pdf import render_joint, render_workshop
from app.extensions import db
from app.models import Cluster, Comment, Participant, Reaction
from app.voting import services
from app.voting.tally_pump import tally_pump
from tests.conftest import make_item, make_theme, make_user, make_workshop, op

pytestmark = pytest.mark.usefixtures("fast_passwords")

IMG = '<img src="http://127.0.0.1:1/x.png"/>'
BIG = "<font size=80>big</font>"
GREEK_IDEA = "Κοινό γραφείο στη Σιγκαπούρη για όλα τα μέλη"
BULGARIAN_THEME = "Партньорства с университети"
GREEK_THEME = "Πρόσβαση σε κεφάλαια"


@pytest.fixture(autouse=True)
def no_tally_timer(monkeypatch):
    monkeypatch.setattr(tally_pump, "touch", lambda w, r: None)


def _cluster_id(slug: str) -> int:
    return db.session.scalar(sa.select(Cluster.id).where(Cluster.slug == slug))


# 11 people: bwcon 4, elinclus 3, cluster-ict 2, torino-wireless 1, none 1 -> three small groups hidden.
PEOPLE = [
    ("bwcon", "ai", "Acme AI GmbH"),
    ("bwcon", "ai", "Neckar Robotics"),
    ("bwcon", "blockchain", "Ledgerline"),
    ("bwcon", "both", "Acme AI GmbH"),
    ("elinclus", "ai", "Αθηνά Analytics"),
    ("elinclus", "blockchain", BIG),
    ("elinclus", "ai", "Patras Labs"),
    ("cluster-ict", "blockchain", "София Блокчейн ООД"),
    ("cluster-ict", "ai", "Plovdiv Data"),
    ("torino-wireless", "both", "Torino Chain"),
    (None, "ai", ""),
]


def build_workshop(
    cluster: str = "elinclus", title: str = "Beyond Europe 2026: AI & blockchain <b>bold"
) -> int:
    """A finished workshop: themes, ideas and markets, comments, and four rounds (one still open)."""
    user = make_user()
    user.name = "Maria Papadopoulou"
    workshop = make_workshop(
        user,
        phase="vote",
        title=title,
        question="Which third countries should our start-ups approach first, and how?",
        cluster_id=_cluster_id(cluster),
    )
    people = []
    for n, (slug, sector, org) in enumerate(PEOPLE):
        person = Participant(
            workshop_id=workshop.id,
            display_name=f"Person {n}",
            organisation=org,
            cluster_id=_cluster_id(slug) if slug else None,
            sector=sector,
        )
        db.session.add(person)
        people.append(person)
    db.session.commit()
    capital, partners, board = (
        make_theme(workshop, GREEK_THEME, "#0f766e"),
        make_theme(workshop, BULGARIAN_THEME, "#b45309"),
        make_theme(workshop, "Market entry &amp; soft landing", "#7c3aed"),
    )
    ideas = [
        make_item(workshop, people[4].id, GREEK_IDEA, theme_id=capital.id),
        make_item(workshop, people[7].id, "Съвместно участие в изложения в Токио", theme_id=partners.id),
        make_item(workshop, people[0].id, f"Pitch day for investors {IMG}", theme_id=capital.id),
        make_item(workshop, people[1].id, "Shared soft-landing desk in Singapore", theme_id=board.id),
        make_item(workshop, None, "Joint mentoring with universities in Seoul", theme_id=partners.id),
    ]
    make_item(workshop, None, "HIDDEN-BY-FACILITATOR spam", state="hidden")
    duplicate = make_item(workshop, None, "A desk in Singapore, shared", theme_id=board.id)
    duplicate.state, duplicate.merged_into_id = "merged", ideas[3].id
    markets = [
        make_item(workshop, None, "Huge demand for AI in manufacturing", kind="market", country="JP"),
        make_item(workshop, None, "Fintech and a young market", kind="market", country="IN"),
        make_item(workshop, None, "Open banking rules", kind="market", country="BR"),
    ]
    db.session.add_all(
        [
            Comment(
                workshop_id=workshop.id, item_id=ideas[0].id, participant_id=people[5].id, text=f"Yes! {BIG}"
            ),
            Comment(workshop_id=workshop.id, item_id=ideas[0].id, user_id=user.id, text="Budget: 20k EUR"),
            Comment(workshop_id=workshop.id, item_id=ideas[1].id, text="HIDDEN-COMMENT rude", hidden=True),
            *[Reaction(item_id=ideas[0].id, participant_id=p.id) for p in people[:4]],
        ]
    )
    db.session.commit()
    _vote(workshop.id, user.id, [p.id for p in people], ideas, markets)
    return workshop.id


def _vote(workshop_id: int, user_id: int, pids: list[int], ideas, markets) -> None:
    staff = Actor(workshop_id, STAFF, user_id=user_id)
    voters = [Actor(workshop_id, PARTICIPANT, participant_id=pid) for pid in pids]

    def open_(**settings) -> dict:
        ack = services.open_round(staff, op(), settings)
        assert ack["ok"], ack
        return ack["round"]

    def cast(voter, round_, ballot) -> None:
        assert services.cast_ballot(voter, op(), round_["id"], 0, ballot)["ok"]

    def close(round_) -> None:
        assert services.close_round(staff, op(), round_["id"])["ok"]

    # 1. Named dot vote: half the room gives the pitch day 3 dots, half none -> contested.
    dots = open_(title="Which ideas first?", method="dots", target="items", item_ids=[i.id for i in ideas])
    o = {opt["label"][:5]: opt["id"] for opt in dots["options"]}
    for n, voter in enumerate(voters[:10]):
        pitch, greek, desk = str(o["Pitch"]), str(o[GREEK_IDEA[:5]]), str(o["Share"])
        cast(voter, dots, {pitch: 3, greek: 2} if n % 2 else {greek: 3, desk: 2})
    close(dots)
    services.reveal_results(staff, op(), dots["id"], True)
    # 2. Anonymous ranking of the themes.
    ranking = open_(title="Rank the themes", method="ranking", target="themes", anonymous=True)
    t = [opt["id"] for opt in ranking["options"]]
    for n, voter in enumerate(voters[:9]):
        cast(voter, ranking, [t[0], t[1], t[2]] if n < 5 else [t[1], t[2], t[0]])
    close(ranking)
    # 3. Scoring of the markets, market potential weighted double.
    criteria = [
        {"name": "Market potential", "weight": 2},
        {"name": "Capital opportunities", "weight": 1},
        {"name": "Knowledge and expertise in AI and blockchain", "weight": 1},
    ]
    scores = open_(title="Score the target markets", method="scores", target="markets", criteria=criteria)
    m = [str(opt["id"]) for opt in scores["options"]]
    c = [str(crit["id"]) for crit in scores["criteria"]]
    for n, voter in enumerate(voters[:8]):
        japan = {c[0]: 5, c[1]: 4, c[2]: 5} if n % 2 else {c[0]: 1, c[1]: 2, c[2]: 1}  # split
        cast(
            voter, scores, {m[0]: japan, m[1]: {c[0]: 4, c[1]: 3, c[2]: 3}, m[2]: {c[0]: 2, c[1]: 3, c[2]: 2}}
        )
    close(scores)
    # 4. The ranking again, still open: anonymous, so its results stay sealed.
    again = services.rerun_round(staff, op(), ranking["id"])["round"]
    cast(voters[0], again, [t2["id"] for t2 in again["options"]])


@pytest.fixture
def workshop_archive(app) -> dict:
    return archive.build(build_workshop())


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces folded (wrapped lines join again)."""
    return re.sub(r"\s+", " ", text)


def test_workshop_report_holds_the_outcomes(workshop_archive):
    reader, raw = pdf_text(render_workshop(workshop_archive))
    text = flat(raw)
    assert len(reader.pages) > 1
    assert "Beyond Europe 2026: AI & blockchain <b>bold" in text
    assert "Which third countries should our start-ups approach first, and how?" in text
    assert "ELINCLUS (APTE)" in text and "Maria Papadopoulou" in text
    # Participation: 11 joined; groups of 3 or more named, the three smaller ones only counted.
    assert "11 people joined the workshop." in text
    assert re.search(r"Baden-Württemberg: Connected 4", text) and re.search(r"ELINCLUS \(APTE\) 3", text)
    assert "Cluster ICT" not in text and "Fondazione Torino Wireless" not in text
    assert re.search(r"3 smaller groups 4", text)
    assert re.search(r"Artificial intelligence 6", text) and re.search(r"Blockchain 3", text)
    assert re.search(r"1 smaller group 2", text)  # "both": 2 people
    # Themes and their items, in Greek and Bulgarian; markets with their country's name.
    for phrase in (
        GREEK_THEME,
        BULGARIAN_THEME,
        GREEK_IDEA,
        "Съвместно участие в изложения в Токио",
        "Japan",
    ):
        assert phrase in text, phrase
    assert "4 reactions" in text and "1 duplicate merged in" in text and "Budget: 20k EUR" in text
    assert "HIDDEN-BY-FACILITATOR" not in text and "HIDDEN-COMMENT" not in text
    # Nobody is named: not the participants, nor their organisations (one would name a small group).
    assert "Person 3" not in text and "Torino Chain" not in text and "Acme AI" not in text


def test_rounds_say_how_they_were_decided(workshop_archive):
    text = flat(pdf_text(render_workshop(workshop_archive))[1])
    for title in (
        "Round 1: Which ideas first?",
        "Round 2: Rank the themes",
        "Round 3: Score the target markets",
    ):
        assert title in text
    assert "Round 4: Rank the themes (again)" in text
    assert "each person had 5 dots to give, at most 3 to one choice" in text
    assert "Named ballots" in text and "Anonymous ballots: nobody, the facilitator included" in text
    assert "10 of 11 eligible participants voted." in text and "9 of 11 eligible participants voted." in text
    assert "Results were revealed to the room." in text and "had not been revealed" in text
    assert "Market potential (weight 2, 50%)" in text and "Capital opportunities (weight 1, 25%)" in text
    assert "This round ran round 2 again." in text
    assert "The results stay sealed until this anonymous round closes." in text
    assert "Condorcet winner:" in text and "Target markets: the first criterion against the others" in text
    # Contested: the pitch day (dots split 3/0) and Japan (scores split 1/5) are worth discussing.
    contested = text.split("Contested results", 1)[1]
    assert "Pitch day for investors" in contested and "Japan" in contested
    assert "India" not in contested
    assert "worth discussing" in text


def test_user_markup_stays_inert_text(workshop_archive, monkeypatch):
    """Payloads print as their characters; reportlab is never asked to open a file or URL."""
    import reportlab.lib.utils as rl_utils
    import reportlab.platypus.paraparser as paraparser

    from app.exports.pdf.layout import FONTS

    opened = rl_utils.open_for_read

    def only_fonts(name, *args, **kwargs):
        assert str(name).startswith(str(FONTS)), f"the report tried to open {name!r}"
        return opened(name, *args, **kwargs)

    def no_images(*args, **kwargs):
        raise AssertionError(f"the report tried to read an image from {args!r}")

    monkeypatch.setattr(rl_utils, "open_for_read", only_fonts)
    monkeypatch.setattr(paraparser, "ImageReader", no_images)
    text = flat(pdf_text(render_workshop(workshop_archive))[1])
    assert f"Pitch day for investors {IMG}" in text
    assert f"Yes! {BIG}" in text
    assert "<b>bold" in text
    assert "Market entry &amp; soft landing" in text


def test_charts_are_vector_and_fonts_embedded(workshop_archive):
    reader, _ = pdf_text(render_workshop(workshop_archive))
    fonts = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        subtypes = [xobjects[name].get_object().get("/Subtype") for name in xobjects]
        assert "/Image" not in subtypes
        fonts |= {str(f.get_object().get("/BaseFont")) for f in (resources.get("/Font") or {}).values()}
    assert any("DejaVuSans" in f for f in fonts), fonts
    # The bars and the 2x2 are drawn: filled rectangles ("re" ... "f") in the content streams.
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert content.count(b" re f") > 20


def test_a_workshop_with_nothing_yet_renders(app):
    """A fresh workshop: no items, no rounds, nobody joined; the report still opens and says so."""
    user = make_user()
    data = archive.build(make_workshop(user, title="Empty room").id)
    text = flat(pdf_text(render_workshop(data))[1])
    assert "Empty room" in text and "0 people joined the workshop." in text
    assert "No item was proposed." in text and "No voting round was held." in text


JOINT_CLUSTERS = [
    ("bwcon", "Baden-Württemberg: Connected"),
    ("torino-wireless", "Fondazione Torino Wireless"),
    ("elinclus", "ELINCLUS (APTE)"),
    ("cluster-ict", "Cluster ICT"),
]


def joint_fixture() -> dict:
    """Two workshops of four clusters' strategy, as app.strategy builds it (plus keys it may add later)."""
    kickoff, sofia = "Stuttgart <b>kick-off", "София: пазари"
    markets = [
        ("JP", "Japan", 4.12, {"bwcon": 4.3, "cluster-ict": 3.94}),
        ("IN", "India", 3.5, {"bwcon": None, "cluster-ict": 3.5}),
        ("SG", "Singapore", 3.21, {"bwcon": 3.21, "cluster-ict": None}),
        ("BR", "Brazil", 2.9, {"bwcon": 2.9, "cluster-ict": 2.9}),
    ]
    return {
        "generated_at": "2026-06-01T10:00:00Z",
        "method": "Each workshop's leniency (the mean of its scores) is taken out; scores stay on 1 to 5.",
        "clusters": [{"slug": slug, "name": name} for slug, name in JOINT_CLUSTERS],
        "workshops": [
            {
                "id": 1,
                "title": kickoff,
                "cluster": "bwcon",
                "cluster_name": JOINT_CLUSTERS[0][1],
                "date": "2026-05-04T09:00:00Z",
                "participants": 23,
            },
            {
                "id": 2,
                "title": sofia,
                "cluster": "cluster-ict",
                "cluster_name": "Cluster ICT",
                "date": "2026-05-11T09:00:00Z",
                "participants": 9,
            },
        ],
        "markets": [
            {
                "rank": rank,
                "country": code,
                "country_name": name,
                "score": score,
                "workshops": sum(v is not None for v in by.values()),
                "agreement": {"low": 2.5, "high": 3.9, "gap": 1.4, "level": "disagree"},
                "by_cluster": by | {"torino-wireless": None, "elinclus": None},
                "extra": "ignored",
                "sources": [
                    {
                        "workshop_id": 1,
                        "workshop_title": kickoff,
                        "round_id": 3,
                        "round_title": "Score markets",
                        "raw_score": 4.4,
                        "workshop_mean": 3.8,
                        "adjusted": by["bwcon"],
                    }
                ]
                if by["bwcon"] is not None
                else [],
            }
            for rank, (code, name, score, by) in enumerate(markets, start=1)
        ],
        "themes": [
            {
                "id": 1,
                "name": f"Access to capital {IMG}",
                "workshops": [
                    {
                        "workshop_id": 1,
                        "workshop_title": kickoff,
                        "theme_name": "Capital",
                        "items": ["Investor days"],
                    },
                    {
                        "workshop_id": 2,
                        "workshop_title": sofia,
                        "theme_name": "Капитал",
                        "items": ["Ангел инвеститори"],
                    },
                ],
            },
        ],
        "unknown_key": [1, 2, 3],
    }


def test_joint_report(app):
    reader, raw = pdf_text(render_joint(joint_fixture()))
    text = flat(raw)
    assert "Joint strategy" in text and "Stuttgart <b>kick-off" in text and "София: пазари" in text
    assert "leniency (the mean of its scores) is taken out" in text
    assert re.search(r"1 Japan .*4\.12", text) and "India" in text
    assert "the workshops disagree" in text
    assert "Baden-Württemberg: Connected" in text and "Cluster ICT" in text
    assert f"Access to capital {IMG}" in text and "Ангел инвеститори" in text and "in 2 workshops" in text
    for page in reader.pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        assert all(xobjects[n].get_object().get("/Subtype") != "/Image" for n in xobjects)


def test_joint_report_of_real_workshops(app):
    """The dict app.strategy builds from two workshops of two clusters renders, markets and all."""
    from app.strategy.services import joint_strategy

    ids = [build_workshop("elinclus", "Athens round"), build_workshop("cluster-ict", "Sofia round")]
    text = flat(pdf_text(render_joint(joint_strategy(ids)))[1])
    assert "Athens round" in text and "Sofia round" in text
    assert "ELINCLUS (APTE)" in text and "Cluster ICT" in text
    ranking = text.split("Target markets by cluster", 1)[0]
    assert ranking.index("India") < ranking.index("Japan") < ranking.index("Brazil")
    # Two workshops built alike are alike lenient: taking their leniency out moves nothing.
    assert "Athens round, Score the target markets: 3.50 → 3.50 without the workshop's leniency" in text


def test_the_report_prints_cluster_names_as_they_are_now(app):
    """Cluster names may be edited after the seed: the report reads them from the archive."""
    workshop_id = build_workshop()
    db.session.get(Cluster, _cluster_id("bwcon")).name = "BW Connected e.V."
    db.session.commit()
    text = flat(pdf_text(render_workshop(archive.build(workshop_id)))[1])
    assert re.search(r"BW Connected e\.V\. 4", text) and "Baden-Württemberg: Connected 4" not in text


def test_the_report_says_why_a_group_is_hidden(app):
    # Issue 16: "2 groups have fewer than 3 voters" when one of them had 4, hidden to protect the other.
    from app.exports.pdf.rounds import _hidden_why

    with app.test_request_context():
        small, protecting = _hidden_why({"hidden_segments": 2, "hidden_small": 1, "hidden_protecting": 1})
    assert small == "1 group of fewer than 3 voters is not shown."
    assert protecting.startswith("1 more group is hidden although it has 3 voters or more")
