"""What "Suggest themes" reads from each idea: its words and bigrams, letter n-grams, the lexicon's
concepts, and their TF-IDF (app/workshops/suggest.py says why each)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from app.workshops.suggest_lexicon import CONCEPTS
from app.workshops.suggest_stopwords import STOP_WORDS

CHAR_NGRAMS = (3, 5)

WORD = re.compile(r"\w+")
# Two kept words form a bigram across a space or one dropped stop word ("access to capital"), never
# across punctuation or a longer run of dropped words.
_BIGRAM_GAP = re.compile(r"[\s'’-]*(?:\w+[\s'’-]+)?")


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


STOP = frozenset(normalise(w) for words in STOP_WORDS.values() for w in words.split())


@dataclass
class ItemText:
    """One idea split into the terms the vectorisers see, with the words as the author typed them."""

    id: int
    terms: list[str]  # normalised unigrams and bigrams
    grams: list[str]  # character n-grams inside each kept word
    surface: dict[str, str]  # term -> the words in the item's text it came from
    concepts: list[str] = field(default_factory=list)  # domain concepts the text names

    @classmethod
    def parse(cls, item_id: int, text: str) -> ItemText:
        text = unicodedata.normalize("NFC", text or "")
        words = [
            (norm, m.start(), m.end())
            for m in WORD.finditer(text)
            if len(norm := normalise(m.group())) > 1 and not norm.isdigit() and norm not in STOP
        ]
        surface = {norm: text[start:end] for norm, start, end in words}
        terms = [norm for norm, _, _ in words]
        for (a, start, a_end), (b, b_start, end) in zip(words, words[1:], strict=False):
            if _BIGRAM_GAP.fullmatch(text, a_end, b_start):
                terms.append(f"{a} {b}")
                surface[f"{a} {b}"] = text[start:end]
        grams = char_grams(norm for norm, _, _ in words)
        return cls(item_id, terms, grams, surface, concepts_in(text))


def char_grams(words: Iterable[str]) -> list[str]:
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
def word_concepts(word: str) -> frozenset[str]:
    """The concepts whose single-word entries match one normalised word (words recur: cached)."""
    framed = f" {word} "
    return frozenset(name for name, single, _ in _CONCEPTS if single.search(framed))


def concepts_in(text: str) -> list[str]:
    """The concepts of suggest_lexicon.py that `text` names, in lexicon order."""
    words = [normalise(w) for w in WORD.findall(text)]
    found = set().union(*map(word_concepts, words))
    framed = f" {' '.join(words)} "
    return [
        name
        for name, _, phrase in _CONCEPTS
        if name in found or (phrase is not None and phrase.search(framed))
    ]


def tfidf(
    items: list[ItemText], analyzer: Callable[[ItemText], list[str]]
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


def terms_of(item: ItemText) -> list[str]:
    return item.terms


def grams_of(item: ItemText) -> list[str]:
    return item.grams


def concepts_of(item: ItemText) -> list[str]:
    return item.concepts
