"""Names and reasons for a suggested theme, made of the words its items share as their authors wrote them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from app.workshops.suggest_features import (
    STOP,
    ItemText,
    char_grams,
    normalise,
    terms_of,
    tfidf,
    word_concepts,
)
from app.workshops.suggest_lexicon import CONCEPTS

BIGRAM_PREFERENCE = 1.5  # "data protection" names a theme better than "data" or "protection"
MAX_KEYWORDS = 5  # the words (and topics) that say why items were grouped
NAME_WORDS = 2  # a name of the first two: more reads as a list, not a name
STEM_LETTERS = 5  # a stem shared by inflected forms: Investor-, επενδυ-


@dataclass
class Suggestion:
    """A proposed theme: the facilitator accepts, renames or rejects it.

    Why its items were grouped: `keywords`, the words two or more of them share, as written, those
    most of them share first; `topics`, the lexicon's concepts two or more of them name (keys of
    suggest_lexicon.CONCEPTS); `reasons`, for each item (in item_ids' order), which of those
    keywords and topics it has: {"words": [...], "topics": [...]}. The name is made of the first
    keywords, so every word of a name is in at least two of the items, and in more of them than
    any other word.
    """

    name: str
    item_ids: list[int]
    keywords: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    reasons: list[dict[str, list[str]]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "item_ids": list(self.item_ids),
            "keywords": list(self.keywords),
            "topics": list(self.topics),
            "reasons": [{"words": list(r["words"]), "topics": list(r["topics"])} for r in self.reasons],
        }


class Namer:
    """Names groups after their most distinctive shared terms, as the authors wrote them."""

    def __init__(self, items: list[ItemText]) -> None:
        self.ids = np.array([item.id for item in items])
        self.matrix, self.terms = tfidf(items, terms_of)
        self.is_bigram = np.array([" " in term for term in self.terms], dtype=bool)

    def suggest(self, group: list[ItemText]) -> Suggestion:
        group = sorted(group, key=lambda item: item.id)
        terms = self.distinctive_terms(group)[:MAX_KEYWORDS]
        keywords = [_surface(term, group) for term in terms]
        topics = _shared_topics(group)
        # A word the group's topic is named by in more members than any shared word ("investors",
        # "Investoren" where others say "investor"): it names the group first, as a stem.
        best = max((sum(_has(item, t) for item in group) for t in terms), default=0)
        word = _topic_word(group, topics[0]) if topics else None
        if word and sum(_has(item, _stem(word)) for item in group) > max(best, 1):
            kept = [(k, t) for k, t in zip(keywords, terms, strict=True) if _stem(word)[1:] not in _stems(t)]
            keywords, terms = [word, *(k for k, _ in kept)], [_stem(word), *(t for _, t in kept)]
        elif not keywords and (word := _stem_word(group)):  # they share stems only, or letters
            keywords, terms = [word], [_stem(word)]
        reasons = [
            {
                "words": [k for k, t in zip(keywords, terms, strict=True) if _has(item, t)],
                "topics": [c for c in topics if f"<{c}>" in item.concepts],
            }
            for item in group
        ]
        name = " · ".join(_title(k) for k in keywords[:NAME_WORDS]) or "?"
        return Suggestion(name, [item.id for item in group], keywords, topics, reasons)

    def distinctive_terms(self, group: list[ItemText]) -> list[str]:
        """Terms that two members share: those that most members have first, then by mean TF-IDF
        inside the group minus outside it (what sets the group apart from the rest of the room)."""
        inside = np.isin(self.ids, [item.id for item in group])
        score = np.asarray(self.matrix[inside].mean(axis=0)).ravel()
        if (~inside).any():
            score -= np.asarray(self.matrix[~inside].mean(axis=0)).ravel()
        score *= np.where(self.is_bigram, BIGRAM_PREFERENCE, 1.0)
        members = np.asarray((self.matrix[inside] > 0).sum(axis=0)).ravel()
        ranked = sorted(
            np.flatnonzero((members >= 2) & (score > 0)),
            key=lambda i: (-members[i], -score[i], self.terms[i]),
        )
        chosen: list[str] = []
        used: set[str] = (
            set()
        )  # no "data" once "data protection" names the group, no "customer" after "customers"
        for term in (str(self.terms[i]) for i in ranked):
            stems = {word[:STEM_LETTERS] for word in term.split()}
            if not used & stems:
                chosen.append(term)
                used |= stems
        return chosen


def _stem(word: str) -> str:
    """A word as a stem, the first letters of its normalised form, marked as one by "~"."""
    return "~" + normalise(word)[:STEM_LETTERS]


def _stems(term: str) -> set[str]:
    return {word[:STEM_LETTERS] for word in term.lstrip("~").split()}


def _has(item: ItemText, term: str) -> bool:
    """The item has the term: the word or bigram itself, or a word with the stem ("~stem")."""
    if term.startswith("~"):
        return any(" " not in t and t.startswith(term[1:]) for t in item.terms)
    return term in item.terms


def _topic_word(group: list[ItemText], topic: str) -> str | None:
    """The word, as its authors wrote it, that names `topic` in most members (by its stem)."""
    forms: Counter[str] = Counter()
    stems: dict[str, set[int]] = {}
    for item in group:
        for term, written in item.surface.items():
            if " " not in term and f"<{topic}>" in word_concepts(term):
                stem = term[:STEM_LETTERS]
                stems.setdefault(stem, set()).add(item.id)
                forms[written] += 1
    if not stems:
        return None
    stem = max(stems, key=lambda s: (len(stems[s]), s))
    return max((w for w in forms if normalise(w).startswith(stem)), key=lambda w: (forms[w], w))


def _shared_topics(group: list[ItemText]) -> list[str]:
    """The lexicon's concepts that two or more members name, those most members name first."""
    counts = Counter(concept for item in group for concept in set(item.concepts))
    order = {f"<{c}>": n for n, c in enumerate(CONCEPTS)}
    shared = sorted((c for c, n in counts.items() if n >= 2), key=lambda c: (-counts[c], order[c]))
    return [c.strip("<>") for c in shared][:MAX_KEYWORDS]


def _surface(term: str, group: list[ItemText]) -> str:
    """The most common way the group's authors wrote `term` (the lowest item id wins a tie)."""
    forms = Counter(item.surface[term] for item in group if term in item.surface)
    return forms.most_common(1)[0][0]


def _stem_word(group: list[ItemText]) -> str | None:
    """When members share only stems ("Investoren", "investieren"): the word with most shared n-grams."""
    counts = Counter(gram for item in group for gram in set(item.grams))
    words: dict[str, str] = {}  # normalised -> as first written, in item id order
    for item in group:
        for term in item.terms:
            if " " not in term:
                words.setdefault(term, item.surface[term])
    shared = {w: sum(counts[g] >= 2 for g in set(char_grams([w]))) for w in words}
    best = max(words, key=lambda w: (shared[w], -len(w)), default=None)  # first written wins a tie
    return words[best] if best else None


def _title(phrase: str) -> str:
    """Capitalise each word except stop words inside; keep words that already have capitals (AI, GDPR)."""
    return " ".join(
        word
        if any(c.isupper() for c in word) or (i and normalise(word) in STOP)
        else word[:1].upper() + word[1:]
        for i, word in enumerate(phrase.split())
    )
