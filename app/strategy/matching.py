"""Which themes of different workshops are probably the same theme, by the similarity of their names.

Theme names are short ("Funding", "Access to capital", "Finanzierung"), so three signals are
combined and the strongest one counts:

- shared words: the Jaccard overlap of the names' words, after folding case and accents and
  dropping stop words in the five workshop languages ("Funding" / "Access to funding": 1/2);
- shared letter sequences: the cosine of character 3- to 5-gram counts inside those words, which
  catches plurals, inflections and typos, and stems shared across languages ("Investors" /
  "Investoren");
- shared topics: the Jaccard overlap of the domain concepts each name mentions, from the lexicon
  that "Suggest themes" uses (app/workshops/suggest_lexicon.py), which links names in different
  languages or words ("Funding" / "Finanzierung" / "Χρηματοδότηση" / "Финансиране", "IP" /
  "Intellectual property", "Data protection" / "GDPR" all score 1).

Two names match at THRESHOLD or above. 0.5 means: half of the words shared, half of the topics
shared, or the letter sequences mostly alike. Measured: "Local partners" / "Partner networks" 0.50
and "Marketing" / "Go-to-market" 0.58 match; "Market entry" / "Marketing" 0.47, "Asia" / "Asian
markets" 0.37, "Funding" / "Fundamentals" 0.25 and unrelated names (about 0) do not. It only
suggests: the coordinator confirms or dismisses each group.

Groups are the connected parts of the "matches" graph, over themes of different workshops only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

# Reused from "Suggest themes": one notion of normalised text and of topics in the whole product.
from app.workshops.suggest_features import STOP, WORD, concepts_in, normalise

THRESHOLD = 0.5


@dataclass(frozen=True)
class Named:
    """A theme as the matcher sees it: its id, the workshop it belongs to and its name."""

    theme_id: int
    workshop_id: int
    name: str


def words(name: str) -> list[str]:
    """The name's words that carry meaning: normalised, no stop words, no digits, no single letters."""
    found = (normalise(w) for w in WORD.findall(name or ""))
    return [w for w in found if len(w) > 1 and not w.isdigit() and w not in STOP]


def similarity(names: Sequence[str]) -> np.ndarray:
    """The n x n matrix of name similarities (0..1): the strongest of words, letters and topics."""
    n = len(names)
    if n == 0:
        return np.zeros((0, 0))
    tokens = [words(name) for name in names]
    topics = [concepts_in(name) for name in names]
    sim = np.maximum(_jaccard(tokens), _jaccard(topics))
    return np.maximum(sim, _char_cosine(tokens))


def _jaccard(sets: list[list[str]]) -> np.ndarray:
    """Pairwise |A ∩ B| / |A ∪ B|; 0 where both are empty."""
    if not any(sets):
        return np.zeros((len(sets), len(sets)))
    binary = CountVectorizer(analyzer=lambda terms: sorted(set(terms)), binary=True).fit_transform(sets)
    inter = (binary @ binary.T).toarray().astype(float)
    sizes = np.asarray(binary.sum(axis=1)).ravel().astype(float)
    union = sizes[:, None] + sizes[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _char_cosine(tokens: list[list[str]]) -> np.ndarray:
    """Pairwise cosine of character 3-5-gram counts inside the kept words."""
    texts = [" ".join(t) for t in tokens]
    if not any(texts):
        return np.zeros((len(texts), len(texts)))
    grams = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts)
    unit = normalize(grams.astype(float))
    return (unit @ unit.T).toarray()


def groups(themes: Sequence[Named]) -> list[tuple[list[Named], float]]:
    """Groups of similar themes spanning at least two workshops, with their weakest needed link.

    Links are taken strongest first (Kruskal), so a group's score is the lowest similarity that
    holds it together. Largest group first, then by the first theme id: deterministic.
    """
    sim = similarity([t.name for t in themes])
    parent = list(range(len(themes)))
    strength: dict[int, float] = {}
    pairs = [
        (float(sim[i, j]), int(i), int(j))
        for i, j in zip(*np.nonzero(np.triu(sim >= THRESHOLD, k=1)), strict=True)
        if themes[i].workshop_id != themes[j].workshop_id
    ]
    for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        a, b = _root(parent, i), _root(parent, j)
        if a != b:
            parent[max(a, b)] = min(a, b)
            strength[min(a, b)] = min(strength.get(a, 1.0), strength.get(b, 1.0), score)
    members: dict[int, list[Named]] = {}
    for index, theme in enumerate(themes):
        members.setdefault(_root(parent, index), []).append(theme)
    found = [
        (group, round(strength.get(root, 1.0), 3))
        for root, group in members.items()
        if len({t.workshop_id for t in group}) >= 2
    ]
    return sorted(found, key=lambda pair: (-len(pair[0]), min(t.theme_id for t in pair[0])))


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def suggested_name(names: Sequence[str]) -> str:
    """The name most members share (after normalising); else the shortest, as people wrote it."""
    counts = Counter(normalise(n.strip()) for n in names)
    best = max(counts.values())
    candidates = [n.strip() for n in names if counts[normalise(n.strip())] == best]
    return min(candidates, key=lambda n: (len(n), n))
