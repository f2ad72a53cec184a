"""Suggest themes: grouping quality on labelled fixtures, edge cases, names, determinism, cost.

Scoring: the adjusted Rand index (ARI) between the proposals and the fixture's themes, with each
unsorted idea as a group of its own. That is the fair reading: leaving an idea unsorted claims nothing
about it, while lumping all unsorted ideas into one group would score a claim the suggestion never
made. It would also reward leaving ideas unsorted, so the tests also require a minimum coverage.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from app.workshops import suggest, suggest_features, suggest_lexicon, suggest_names
from app.workshops.suggest import suggest_themes
from app.workshops.suggest_features import normalise
from app.workshops.suggest_names import Suggestion

FIXTURES = Path(__file__).parent / "fixtures"
# The fixtures the lexicon and the weights were chosen on; the held-out ones are scored, never tuned on.
TUNED_ON = ("ideas_en.json", "ideas_en_heldout.json", "ideas_en_heldout2.json", "ideas_multilingual.json")


def load(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def predicted(suggestions: list[Suggestion], ids: list[int]) -> list[str]:
    """Each item's proposed theme, an unsorted item alone in its own group."""
    theme = {item_id: f"theme {k}" for k, s in enumerate(suggestions) for item_id in s.item_ids}
    return [theme.get(i, f"unsorted {i}") for i in ids]


def score(rows: list[dict]) -> tuple[float, list[Suggestion]]:
    suggestions = suggest_themes([(i, row["text"]) for i, row in enumerate(rows)])
    labels = [row["theme"] for row in rows]
    return adjusted_rand_score(labels, predicted(suggestions, list(range(len(rows))))), suggestions


def luck(rows: list[dict], suggestions: list[Suggestion], runs: int = 200) -> float:
    """The best ARI the same proposals get against shuffled themes."""
    rng = np.random.default_rng(0)
    guess = predicted(suggestions, list(range(len(rows))))
    labels = [row["theme"] for row in rows]
    return max(adjusted_rand_score(rng.permutation(labels), guess) for _ in range(runs))


# --- the fixtures ----------------------------------------------------------------------


def test_fixtures_are_what_the_issue_asks_for():
    english, mixed = load("ideas_en.json"), load("ideas_multilingual.json")
    heldout, second = load("ideas_en_heldout.json"), load("ideas_en_heldout2.json")
    for rows in (english, heldout, second):
        assert len(rows) >= 60 and len({row["theme"] for row in rows}) == 6
        assert len({row["text"] for row in rows}) == len(rows)
    assert not {row["text"] for row in english} & {row["text"] for row in heldout}
    assert not {row["text"] for row in second} & {row["text"] for row in english + heldout + mixed}
    assert {row["lang"] for row in mixed} == {"de", "it", "el", "bg"}
    assert len({row["theme"] for row in mixed}) == 3


def test_new_held_out_fixtures_are_what_the_issue_asks_for():
    """40 to 60 ideas in 5 to 8 themes of uneven size, as a room writes them, and a short one in
    four languages; none of their ideas is in a fixture the method was chosen on."""
    third, mixed = load("ideas_en_heldout3.json"), load("ideas_multilingual_heldout.json")
    tuned = {row["text"] for name in TUNED_ON for row in load(name)}
    sizes = Counter(row["theme"] for row in third)
    assert 40 <= len(third) <= 60 and 5 <= len(sizes) <= 8 and len(set(sizes.values())) > 1
    assert {row["lang"] for row in mixed} == {"de", "it", "el", "bg"}
    for rows in (third, mixed):
        assert len({row["text"] for row in rows}) == len(rows)
        assert not {row["text"] for row in rows} & tuned


def test_english_fixture_reaches_the_issue_target():
    """The issue's bar. The concept lexicon and the two weights were chosen on this fixture."""
    rows = load("ideas_en.json")
    ari, suggestions = score(rows)
    assert ari >= 0.5
    assert ari > 2 * luck(rows, suggestions)
    assert sum(len(s.item_ids) for s in suggestions) >= 0.75 * len(rows)


def test_first_held_out_fixture_now_tuned_on_reaches_the_target():
    """Ideas on pilots, IP, tenders, payments... written before the lexicon was tuned: 0.40 then.
    The weights were since chosen on it too (with the English and multilingual fixtures), so this
    is no longer an honest estimate; ideas_en_heldout3.json is."""
    rows = load("ideas_en_heldout.json")
    ari, suggestions = score(rows)
    assert ari >= 0.5
    assert ari > 2 * luck(rows, suggestions)
    assert sum(len(s.item_ids) for s in suggestions) >= 0.75 * len(rows)


def test_second_held_out_fixture_now_tuned_on_is_grouped_well_above_chance():
    """Market research, sales channels, security certification...: 0.20 before issue 16's last
    point. Four topics of the lexicon (security, market research, setting up a company, pricing)
    and the weights were since chosen on it too, so it is no longer an honest estimate either."""
    rows = load("ideas_en_heldout2.json")
    ari, suggestions = score(rows)
    assert ari >= 0.35
    assert ari > 2 * luck(rows, suggestions)
    assert sum(len(s.item_ids) for s in suggestions) >= 0.75 * len(rows)


@pytest.mark.xfail(
    strict=True,
    reason="the honest held-out ARI is 0.21 (0.20 before the last changes, best of 200 shuffles "
    "0.07) against the issue's 0.5: words, stems, lemmas and the concept lexicon do not generalise "
    "to the themes a new room draws across its topics (see scripts/suggest_ari.py)",
)
def test_held_out_fixture_reaches_the_issue_target():
    """The third held-out fixture: visas and travel, references and trust, data and AI rules, getting
    paid, culture and negotiation, hiring abroad, export funding; written before any change of issue
    16's last point and scored once, after the method was chosen on the other fixtures."""
    ari, _ = score(load("ideas_en_heldout3.json"))
    assert ari >= 0.5


def test_each_workshop_language_is_grouped_better_than_chance():
    """A workshop runs in one language, so the multilingual fixture is scored one language at a time."""
    mixed = load("ideas_multilingual.json")
    scores = {}
    for lang in ("de", "it", "el", "bg"):
        scores[lang], _ = score([row for row in mixed if row["lang"] == lang])
    assert min(scores.values()) >= 0.3, scores
    assert sum(scores.values()) / len(scores) >= 0.6, scores


def test_mixed_languages_still_give_sound_proposals():
    rows = load("ideas_multilingual.json")
    _, suggestions = score(rows)
    assert suggestions
    assert all(len(s.item_ids) >= 2 and s.name for s in suggestions)


# --- the mechanism, on ideas that do share words ------------------------------------------

SHARED_WORDS = [
    ("investors", "Investor days with venture funds from the US"),
    ("investors", "Meet investors from the Gulf in one trip"),
    ("investors", "Pitch training before we meet investors"),
    ("investors", "A database of investors in Asia"),
    ("visas", "Faster visas for the engineers we hire"),
    ("visas", "Visa support for developers coming from India"),
    ("visas", "Help with visas and work permits"),
    ("visas", "One visa desk for all new hires"),
    ("distributors", "Find distributors in Brazil"),
    ("distributors", "Contract templates for distributors"),
    ("distributors", "Distributor matchmaking in Japan"),
    ("distributors", "Local distributors for the Gulf states"),
]

# Each theme shares a stem in different inflections, never the same word form.
INFLECTED = {
    "de": [
        ("investors", "Investoren aus Amerika treffen"),
        ("investors", "Investorentage in Stuttgart organisieren"),
        ("investors", "Ein Investor für jedes Startup"),
        ("visas", "Visum für Fachkräfte schneller beantragen"),
        ("visas", "Visa dauern viel zu lange"),
        ("visas", "Visumsantrag vereinfachen"),
    ],
    "it": [
        ("investors", "Incontri con investitori americani"),
        ("investors", "Un investitore per ogni startup"),
        ("investors", "Giornata dell'investitore a Torino"),
        ("training", "Formazione interculturale per i commerciali"),
        ("training", "Formare i tecnici alla vendita"),
        ("training", "Formatori esperti di mercati asiatici"),
    ],
    "el": [
        ("investors", "Ημέρα επενδυτών στην Αθήνα"),
        ("investors", "Γνωριμία με επενδυτες από τις ΗΠΑ"),  # typed without accents
        ("investors", "Ένας επενδυτής για κάθε startup"),
        ("visas", "Βίζα για μηχανικούς από την Ινδία"),
        ("visas", "Οι βίζες αργούν πολύ"),
        ("visas", "Γρηγορότερες βιζες εργασίας"),
    ],
    "bg": [
        ("investors", "Среща с инвеститори от САЩ"),
        ("investors", "Инвеститорите искат пилотни клиенти"),
        ("investors", "Един инвеститор за всеки стартъп"),
        ("visas", "Визи за инженери от Индия"),
        ("visas", "Визата отнема месеци"),
        ("visas", "Бързи визите за програмисти"),
    ],
}


def labelled_ari(labelled: list[tuple[str, str]]) -> float:
    suggestions = suggest_themes([(i, text) for i, (_, text) in enumerate(labelled)])
    return adjusted_rand_score(
        [theme for theme, _ in labelled], predicted(suggestions, list(range(len(labelled))))
    )


def test_ideas_that_share_words_are_grouped_by_theme():
    assert labelled_ari(SHARED_WORDS) >= 0.8


@pytest.mark.parametrize("lang", sorted(INFLECTED))
def test_inflected_forms_are_grouped_through_character_ngrams(lang, monkeypatch):
    """Long stems (investor-) group fully; short ones (Visa / Visum) may leave an idea unsorted."""
    rows = INFLECTED[lang]
    suggestions = suggest_themes([(i, text) for i, (_, text) in enumerate(rows)])
    assert all(len({rows[i][0] for i in s.item_ids}) == 1 for s in suggestions)  # no mixed proposal
    assert labelled_ari(rows) >= 0.6
    monkeypatch.setattr(suggest, "CHAR_WEIGHT", 0.0)  # words alone cannot see the shared stems
    monkeypatch.setattr(suggest, "CONCEPT_WEIGHT", 0.0)  # (the lexicon knows investors and visas)
    assert labelled_ari(rows) <= 0.2


# --- edge cases ------------------------------------------------------------------------


@pytest.mark.parametrize("texts", [[], [(1, "Investor days in Singapore")]])
def test_fewer_than_two_items_give_no_proposal(texts):
    assert suggest_themes(texts) == []


def test_two_similar_items_make_one_theme_two_unrelated_none():
    similar = suggest_themes([(1, "Investor days in Singapore"), (2, "Meet investors in Singapore")])
    assert [s.item_ids for s in similar] == [[1, 2]]
    unrelated = [(1, "Investor days in Singapore"), (2, "Hire data scientists from Brazil")]
    assert suggest_themes(unrelated) == []


def test_identical_texts_are_one_theme():
    suggestions = suggest_themes([(i, "Joint trade mission to Japan") for i in (4, 2, 9)])
    assert [s.item_ids for s in suggestions] == [[2, 4, 9]]
    assert suggestions[0].name == "Joint Trade · Mission to Japan"


def test_empty_or_stop_word_only_items_stay_unsorted():
    junk = [(1, ""), (2, "   "), (3, "?!"), (4, "the and of"), (5, "a"), (6, "und der die")]
    assert suggest_themes(junk) == []
    ideas = [(10, "Visa support for engineers"), (11, "Visa desk for engineers"), *junk]
    assert [s.item_ids for s in suggest_themes(ideas)] == [[10, 11]]


def test_max_themes_keeps_the_largest_proposals():
    texts = [(i, row["text"]) for i, row in enumerate(load("ideas_en.json"))]
    everything = suggest_themes(texts)
    assert len(everything) > 3
    assert suggest_themes(texts, max_themes=3) == everything[:3]
    assert suggest_themes(texts, max_themes=0) == []


# --- names, order, speed -------------------------------------------------------------------


def test_names_come_from_the_members_own_words():
    rows = load("ideas_en.json") + load("ideas_multilingual.json")
    for suggestion in suggest_themes([(i, row["text"]) for i, row in enumerate(rows)]):
        members = " ".join(rows[i]["text"] for i in suggestion.item_ids).casefold()
        assert suggestion.name and suggestion.keywords
        assert all(keyword.casefold() in members for keyword in suggestion.keywords)
        parts = suggestion.name.casefold().split(" · ")
        assert parts == [keyword.casefold() for keyword in suggestion.keywords[: len(parts)]]


def test_names_prefer_bigrams_and_title_case_sensibly():
    suggestions = suggest_themes(
        [
            (1, "Guide to data protection in Brazil"),
            (2, "data protection rules for GDPR and LGPD"),
            (3, "Checklist for data protection before the first customer"),
        ]
    )
    assert suggestions[0].name.startswith("Data Protection")
    assert suggest_names._title("rules for GDPR") == "Rules for GDPR"  # stop words low, acronyms kept
    assert suggest_names._title("εξαγωγές στην Ινδία") == "Εξαγωγές στην Ινδία"


def test_same_input_gives_the_same_output():
    texts = [(i, row["text"]) for i, row in enumerate(load("ideas_en.json"))]
    assert suggest_themes(texts) == suggest_themes(list(texts))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_ideas_with_new_ids_are_grouped_the_same(seed):
    """New ids change the order the algorithm sees, so ties could fall differently: they must not matter."""
    rows = load("ideas_en.json")
    original = predicted(
        suggest_themes([(i, row["text"]) for i, row in enumerate(rows)]), list(range(len(rows)))
    )
    order = np.random.default_rng(seed).permutation(len(rows))  # new id k is the old idea order[k]
    shuffled = suggest_themes([(k, rows[old]["text"]) for k, old in enumerate(order)])
    back = dict(zip(order.tolist(), predicted(shuffled, list(range(len(rows)))), strict=True))
    assert adjusted_rand_score(original, [back[i] for i in range(len(rows))]) >= 0.9


def test_two_hundred_items_cost_one_clustering_and_one_lexicon_lookup_per_word(monkeypatch):
    """The cockpit asks for suggestions with a full board and waits for them: the costly steps run
    a fixed number of times, whatever the number of items. Counted, not timed: a shared machine's
    speed says nothing about the code."""
    rows = load("ideas_en.json") + load("ideas_multilingual.json")
    texts = [(i, f"{rows[i % len(rows)]['text']} ({i})") for i in range(200)]
    clusterings, vectorisings = [], []
    cluster, vectorise = AgglomerativeClustering.fit_predict, TfidfVectorizer.fit_transform

    def counted_cluster(model, distances, y=None):
        clusterings.append(distances.shape)
        return cluster(model, distances)

    def counted_vectorise(vectoriser, items, y=None):
        vectorisings.append(len(items))
        return vectorise(vectoriser, items)

    monkeypatch.setattr(AgglomerativeClustering, "fit_predict", counted_cluster)
    monkeypatch.setattr(TfidfVectorizer, "fit_transform", counted_vectorise)
    suggest_features.word_concepts.cache_clear()
    suggest_themes(texts)
    assert clusterings == [(200, 200)]  # one clustering of all the pairs, not one per group or round
    assert vectorisings == [200] * 4  # words, letters, concepts, and the words again to name the themes
    # The lexicon's patterns run once per distinct word (1,004 here), not once per word (3,110).
    words = [normalise(w) for _, text in texts for w in suggest_features.WORD.findall(text)]
    assert suggest_features.word_concepts.cache_info().misses <= len(set(words)) < len(words) / 3


def test_normalise_strips_accents_but_not_from_cyrillic_letters():
    assert normalise("Città São Straße") == "citta sao strasse"
    assert normalise("Εταιρείες ΕΠΕΝΔΥΤΈΣ") == normalise("εταιρειες επενδυτες")  # tonos and final sigma
    assert normalise("Май") == "май" and normalise("май") != "маи"  # й is a letter of its own


def test_suggestion_to_dict():
    reasons = [{"words": ["investors"], "topics": []}, {"words": [], "topics": ["funding"]}]
    assert Suggestion("Investors", [1, 2], ["investors"], ["funding"], reasons).to_dict() == {
        "name": "Investors",
        "item_ids": [1, 2],
        "keywords": ["investors"],
        "topics": ["funding"],
        "reasons": reasons,
    }


def test_a_name_is_made_of_the_words_most_of_its_items_share():
    """Not a word two of twelve items happen to share: the one most of them have comes first."""
    rows = [
        (1, "Angel investors for our seed round in Dubai"),
        (2, "Investors from the Gulf for the seed round"),
        (3, "Meet investors at a fair in Dubai"),
        (4, "A database of investors in Asia"),
    ]
    [suggestion] = suggest_themes(rows)
    assert suggestion.keywords[0] == "investors" and suggestion.name.startswith("Investors")
    assert suggestion.topics[0] == "funding"


def _has_words(text: str, words: str) -> bool:
    """Every word of `words` is in `text`, or a word of it with the same stem (its first 5 letters)."""
    written = re.findall(r"\w+", normalise(text))
    return all(any(w.startswith(word[:5]) for w in written) for word in re.findall(r"\w+", normalise(words)))


def test_every_suggestion_says_why_each_item_is_in_it():
    rows = load("ideas_en.json") + load("ideas_en_heldout2.json") + load("ideas_multilingual.json")
    texts = {i: row["text"] for i, row in enumerate(rows)}
    for suggestion in suggest_themes(list(texts.items())):
        members = [texts[i] for i in suggestion.item_ids]
        assert len(suggestion.reasons) == len(members)
        for word in suggestion.keywords:  # each shared word is in two members at least
            assert sum(_has_words(text, word) for text in members) >= 2
        for topic in suggestion.topics:
            assert topic in suggest_lexicon.CONCEPTS
            assert sum(f"<{topic}>" in suggest_features.concepts_in(text) for text in members) >= 2
        for text, reasons in zip(members, suggestion.reasons, strict=True):
            assert all(_has_words(text, word) for word in reasons["words"]), (reasons, text)
            assert all(f"<{topic}>" in suggest_features.concepts_in(text) for topic in reasons["topics"]), (
                reasons,
                text,
            )
        # The name's words are the first keywords: those that most members have.
        counts = [sum(k in r["words"] for r in suggestion.reasons) for k in suggestion.keywords]
        assert counts == sorted(counts, reverse=True), (suggestion.keywords, counts)


# --- the domain concept lexicon --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Angel investors in Dubai", "<funding>"),
        ("Investorentage mit US-Risikokapitalgebern", "<funding>"),  # inside a German compound
        ("Un investitore per ogni startup", "<funding>"),
        ("Γνωριμία με επενδυτες από τις ΗΠΑ", "<funding>"),
        ("Инвеститорите искат пилотни клиенти", "<funding>"),
        ("Register the trademark before the launch", "<ip>"),
        ("Alerts for public tenders", "<public_tenders>"),
        ("co-financing of the booth", "<funding>"),  # a hyphenated entry is a phrase
        ("proof of concept with a retailer", "<customers>"),  # a phrase with a stop word
        ("diritto d'autore sul software", "<ip>"),
        ("Encrypted backups and a pentest before the launch", "<security>"),
        ("Verschlüsselung der Kundendaten", "<security>"),
        ("Chi sono i concorrenti locali?", "<market_research>"),
        ("Έρευνα για τη ζήτηση στην Ινδία", "<market_research>"),
        ("Открихме дъщерна фирма в Дубай", "<company_setup>"),
        ("Gründung einer Tochtergesellschaft in Japan", "<company_setup>"),
        ("Τιμές σε τοπικό νόμισμα", "<pricing>"),
        ("Prezzi e margini per il mercato indiano", "<pricing>"),
    ],
)
def test_lexicon_finds_concepts_in_every_language(text, concept):
    assert concept in suggest_features.concepts_in(text)


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("the Indian market", "<marketing>"),  # German *marke* must not reach English words
        ("an important step", "<logistics>"),  # import, not important
        ("Preise in Japan", "<market_entry>"),  # Reise, not Preise
        ("campagna di pubblicità", "<public_tenders>"),  # pubblicità is no public buyer
        ("a fundamental question", "<funding>"),
    ],
)
def test_lexicon_stems_do_not_catch_unrelated_words(text, concept):
    assert concept not in suggest_features.concepts_in(text)


def test_greek_insurance_is_no_security_topic():
    """ασφάλεια is both insurance and security: only information security is the security topic."""
    assert "<security>" in suggest_features.concepts_in("Κυβερνοασφάλεια και ασφάλεια πληροφοριών")
    assert "<security>" not in suggest_features.concepts_in("Ασφάλεια πιστώσεων για εξαγωγές")


def test_ideas_that_share_a_concept_but_no_word_are_grouped():
    rows = [
        ("funding", "Angel investors for our seed round"),
        ("funding", "Which VCs fund deep tech in Boston?"),
        ("funding", "Bridge loans and grants for big orders"),
        ("ip", "Patent filings in China cost too much"),
        ("ip", "Protect our trademark in the Gulf"),
        ("ip", "NDA templates that hold up in court"),
    ]
    assert labelled_ari(rows) >= 0.6
