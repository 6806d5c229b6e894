"""Indonesian and Banjar synonyms: loading the Meilisearch-format file and expanding query words."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

Synonyms = dict[str, list[str]]

# What production loads; synonyms.json beside it is the annotated source (groups, evidence) it is made from.
SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.meilisearch.json"


def load_synonyms(path: Path) -> Synonyms:
    """Read a Meilisearch synonyms file ({"word": ["synonym", ...]}), refusing anything else."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: synonyms must be a JSON object")
    synonyms: Synonyms = {}
    for key, values in raw.items():
        if not isinstance(key, str) or not isinstance(values, list) or not all(
            isinstance(v, str) for v in values
        ):
            raise ValueError(f"{path}: synonyms[{key!r}] must be a list of strings")
        synonyms[key] = list(values)
    return synonyms


@dataclass(frozen=True, slots=True)
class SynonymSpan:
    """Query words start..end (exclusive) may also be read as any of the alternatives."""

    start: int
    end: int
    alternatives: tuple[tuple[str, ...], ...]


class SynonymIndex:
    """Synonyms keyed by normalised word sequences, so "Gula Habang" finds the "gula habang" entry.

    Like Meilisearch, keys are matched on whole query words without typos, and a key of several
    words covers all of them.
    """

    MAX_KEY_WORDS = 4

    def __init__(self, synonyms: Synonyms, normalise: Callable[[str], list[str]]) -> None:
        table: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for key, values in synonyms.items():
            key_words = tuple(normalise(key))
            if not key_words or len(key_words) > self.MAX_KEY_WORDS:
                continue
            for value in values:
                value_words = tuple(normalise(value))
                if value_words and value_words != key_words:
                    table.setdefault(key_words, set()).add(value_words)
        self._table = {key: tuple(sorted(values)) for key, values in table.items()}

    def __len__(self) -> int:
        return len(self._table)

    def spans(self, words: Sequence[str]) -> list[SynonymSpan]:
        """Every run of query words that is a synonym key, with what it may be read as."""
        found: list[SynonymSpan] = []
        for start in range(len(words)):
            for size in range(1, self.MAX_KEY_WORDS + 1):
                end = start + size
                if end > len(words):
                    break
                alternatives = self._table.get(tuple(words[start:end]))
                if alternatives:
                    found.append(SynonymSpan(start, end, alternatives))
        return found
