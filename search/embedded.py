"""The embedded search engine: tantivy in an index directory, ranked the way Meilisearch ranks."""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
import tantivy

from search.documents import SearchDocument
from search.engine import (
    MAX_QUERY_WORDS,
    EngineError,
    EngineUnavailable,
    Hit,
    SearchQuery,
    SearchResult,
    empty_facets,
    iterate_batches,
)
from search.synonyms import SynonymIndex, Synonyms

log = logging.getLogger(__name__)

# Bump when the schema or the analyzer changes: needs_rebuild() then asks for a rebuild.
SCHEMA_VERSION = 1
TOKENIZER = "pasar_fold"
# Searchable fields in Meilisearch's searchableAttributes order: earlier fields rank higher.
TEXT_FIELDS = ("name", "aliases", "category_text", "producer_text", "description")
CURRENT_FILE = "CURRENT"
LOCK_FILE = "writer.lock"
GENERATION_PREFIX = "gen-"
MAX_FACET_VALUES = 100  # Meilisearch's default maxValuesPerFacet
SMALL_TERM_SET = 32
# How often a search checks whether another process committed or switched the index.
REFRESH_INTERVAL_S = 0.5
# tantivy's memory budget for a writer. A rebuild indexes every product and goes faster with a large one; the
# relay's writer takes a few changed products at a time, so one indexing thread with tantivy's smallest budget
# is plenty and keeps the app worker small (the default, 128 MB over one thread per core, reserves its hash
# tables up front).
REBUILD_HEAP_BYTES = 128_000_000
UPDATE_HEAP_BYTES = 15_000_000
UPDATE_THREADS = 1
# One indexing thread for a rebuild too: with several, documents land in segments by thread, and products
# that score alike (the ranking sums constants, so ties are common) came back in a different order from one
# rebuild to the next. One thread keeps the catalog's order as the tie-break, the same after every rebuild.
REBUILD_THREADS = 1

# Ranking weights. A document's score is the sum over matched query words of one constant per
# word (its best way of matching) plus a bonus per pair of neighbouring query words found side by
# side, so the weights must nest like Meilisearch's ranking rules (typo, then proximity, then
# attribute, then exactness): everything a lower rule can add up to over all query words stays
# below one step of the rule above it.
EXACTNESS_STEP = 1.0  # a prefix or synonym match is less exact than the word itself
ATTRIBUTE_STEP = 3.0 * MAX_QUERY_WORDS * EXACTNESS_STEP
PROXIMITY_STEP = len(TEXT_FIELDS) * MAX_QUERY_WORDS * ATTRIBUTE_STEP
TYPO_STEP = MAX_QUERY_WORDS * PROXIMITY_STEP
WORD_BASE = 3.0 * MAX_QUERY_WORDS * TYPO_STEP


class WriterBusy(EngineError):
    """Another process holds the writer lock on this index directory; open it read-only instead."""


def build_analyzer() -> tantivy.TextAnalyzer:
    """Split on anything but letters and digits, then fold case and accents (Meilisearch normalises so)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("cooperative", stored=True, fast=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=name == "name", tokenizer_name=TOKENIZER)
    # Exact values for filters and facets; the *_text twins above are the searchable form.
    builder.add_text_field("category", stored=True, fast=True, tokenizer_name="raw")
    builder.add_text_field("producer", stored=True, fast=True, tokenizer_name="raw")
    builder.add_text_field("unit", stored=True, tokenizer_name="raw")
    builder.add_integer_field("price", stored=True, indexed=True, fast=True)
    builder.add_boolean_field("in_stock", stored=True, indexed=True, fast=True)
    builder.add_integer_field("created_at", indexed=False, fast=True)
    builder.add_integer_field("popularity", indexed=False, fast=True)
    return builder.build()


def to_tantivy(doc: SearchDocument) -> tantivy.Document:
    return tantivy.Document(
        id=doc.id,
        cooperative=doc.cooperative,
        name=doc.name,
        aliases=list(doc.aliases),
        category_text=doc.category,
        producer_text=doc.producer,
        description=doc.description,
        category=doc.category,
        producer=doc.producer,
        unit=doc.unit,
        price=doc.price,
        in_stock=doc.in_stock,
        created_at=doc.created_at,
        popularity=doc.popularity,
    )


# --- typo tolerance --------------------------------------------------------------------------


def typo_budget(word: str) -> int:
    """Meilisearch's defaults: no typo under 5 letters, one from 5, two from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def bounded_distance(a: str, b: str, limit: int) -> int | None:
    """Optimal-string-alignment distance (a swap of neighbours is one typo), or None above limit."""
    if abs(len(a) - len(b)) > limit:
        return None
    # Common ends cost nothing and most candidates share long ones: trim before the DP.
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    # Keep one character of context so a swap across the trimmed edge is still seen.
    a = a[max(0, start - 1) : end_a]
    b = b[max(0, start - 1) : end_b]
    if not a or not b:
        return max(len(a), len(b)) if max(len(a), len(b)) <= limit else None
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                before is not None
                and i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
            ):
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return None
        before, previous = previous, current
    return previous[-1] if previous[-1] <= limit else None


class Vocabulary:
    """Every indexed word, arranged so a query word's typo variants are found without a full scan.

    Tantivy's fuzzy queries cannot tell how many typos a hit has, nor keep the first letter fixed,
    so the variants (and their typo counts) are worked out here and searched as plain terms.
    """

    CACHE_SIZE = 4096

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms: set[str] = {t for t in terms if t}
        self._by_head_len: dict[tuple[str, int], list[str]] = {}
        self._by_tail: dict[str, list[str]] = {}
        for term in self.terms:
            self._by_head_len.setdefault((term[0], len(term)), []).append(term)
            if len(term) >= 9:
                self._by_tail.setdefault(term[1:], []).append(term)
        self._cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def typo_variants(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Indexed words one typo and two typos away from word, by Meilisearch's rules.

        A typo on the first letter costs two, so it is only allowed where two are, and then the
        rest of the word must be exact.
        """
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        budget = typo_budget(word)
        one: list[str] = []
        two: list[str] = []
        if budget:
            head = word[0]
            for length in range(len(word) - budget, len(word) + budget + 1):
                for term in self._by_head_len.get((head, length), ()):
                    if term == word:
                        continue
                    distance = bounded_distance(word, term, budget)
                    if distance == 1:
                        one.append(term)
                    elif distance == 2:
                        two.append(term)
            if budget == 2:
                two.extend(t for t in self._first_letter_variants(word) if t not in one)
        result = (tuple(sorted(set(one))), tuple(sorted(set(two) - set(one))))
        with self._lock:
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[word] = result
        return result

    def _first_letter_variants(self, word: str) -> list[str]:
        found = [t for t in self._by_tail.get(word[1:], ()) if t[0] != word[0]]  # replaced
        for candidate in (word[1:], word[1] + word[0] + word[2:]):  # dropped, swapped
            if candidate in self.terms and candidate[0] != word[0]:
                found.append(candidate)
        found.extend(t for t in self._by_tail.get(word, ()) if t[0] != word[0])  # one more in front
        return found


# --- query planning --------------------------------------------------------------------------


@dataclass(slots=True)
class WordPlan:
    """How one query word may match: itself, as a prefix, with typos, or through a synonym."""

    word: str
    prefix: bool
    one_typo: tuple[str, ...] = ()
    two_typos: tuple[str, ...] = ()
    synonyms: list[tuple[str, ...]] = field(default_factory=list)


@dataclass(slots=True)
class Highlighter:
    """Wraps the words of a name that the query matched in <mark>, escaping everything else."""

    terms: set[str]
    prefixes: tuple[str, ...]

    def __call__(self, analyzer: tantivy.TextAnalyzer, text: str) -> str:
        parts: list[str] = []
        cursor = 0
        for token in analyzer.pre_tokenize(text).tokens:
            matched = token.text in self.terms or any(token.text.startswith(p) for p in self.prefixes)
            if not matched:
                continue
            start, end = token.char_offset_from, token.char_offset_to
            parts.append(html.escape(text[cursor:start]))
            parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
            cursor = end
        parts.append(html.escape(text[cursor:]))
        return "".join(parts)


# --- index generations on disk ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pointer:
    """The CURRENT file: which generation directory is live, and what it was built from."""

    generation: str
    schema_version: int
    source_id: str

    def dump(self) -> str:
        fields = {"generation": self.generation, "schema_version": self.schema_version}
        return json.dumps({**fields, "source_id": self.source_id})

    @classmethod
    def load(cls, text: str) -> Pointer:
        raw = json.loads(text)
        return cls(str(raw["generation"]), int(raw["schema_version"]), str(raw["source_id"]))


@dataclass(slots=True)
class Opened:
    """One open generation: the tantivy index and what searches need from it."""

    pointer: Pointer
    path: Path
    index: tantivy.Index
    vocabulary: Vocabulary
    # (inode, mtime_ns, size) of tantivy's meta.json when last reloaded. tantivy replaces the file on
    # every commit, so the inode changes even when two commits share a clock tick and a size.
    stamp: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Matching:
    """Meilisearch's matchingStrategy "last": every hit matches the first word; those matching
    the first k words outrank those matching fewer, so results come in buckets k = n..1."""

    word_queries: list[tantivy.Query]
    pair_queries: list[tantivy.Query]
    filters: list[tantivy.Query]

    @property
    def words(self) -> int:
        return len(self.word_queries)

    def query(self, k: int, exclude_next: bool, ranked: bool = True) -> tantivy.Query:
        """Documents matching the first k words (and, with exclude_next, not the next one)."""
        clauses = [(tantivy.Occur.Must, q) for q in self.word_queries[:k]]
        clauses += [(tantivy.Occur.Must, f) for f in self.filters]
        if ranked:  # proximity only orders hits; counting does without it
            clauses += [(tantivy.Occur.Should, q) for q in self.pair_queries[: max(0, k - 1)]]
        if exclude_next and k < len(self.word_queries):
            clauses.append((tantivy.Occur.MustNot, self.word_queries[k]))
        return tantivy.Query.boolean_query(clauses)


class EmbeddedEngine:
    """A tantivy index under index_dir; one process writes (holding a lock), others read and reload.

    Layout: ``index_dir/CURRENT`` names the live ``gen-*`` directory and records the schema version
    and the source (database identity) it was built from; ``rebuild()`` fills a new generation
    and replaces CURRENT atomically, so readers switch on their next refresh.
    """

    name = "embedded"

    def __init__(
        self,
        index_dir: Path,
        synonyms: Synonyms,
        writer: bool = True,
        *,
        source_id: str = "",
        writer_heap_bytes: int = REBUILD_HEAP_BYTES,
        update_heap_bytes: int = UPDATE_HEAP_BYTES,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.writer = writer
        self.source_id = source_id
        self._heap = writer_heap_bytes
        self._update_heap = update_heap_bytes
        self._schema = build_schema()
        self._analyzer = build_analyzer()
        self._synonyms = SynonymIndex(synonyms, self._analyzer.analyze)
        # Not thread-local: the lock is taken and released from different worker threads.
        self._lock = filelock.FileLock(str(self.index_dir / LOCK_FILE), timeout=0, thread_local=False)
        self._state_lock = threading.RLock()  # guards _opened, _writer and the replay log
        self._opened: Opened | None = None
        self._index_writer: tantivy.IndexWriter | None = None
        self._replay: list[tuple[str, list[Any]]] | None = None  # writes made during a rebuild
        self._last_check = 0.0
        self._pointer_stamp: tuple[int, int, int] | None = None

    # -- inspection -------------------------------------------------------------------------

    def rebuild_reason(self, source_id: str | None = None) -> str | None:
        """Why the index on disk cannot serve this database (None when it can)."""
        wanted = self.source_id if source_id is None else source_id
        try:
            pointer = self._read_pointer()
        except FileNotFoundError:
            return "missing"
        except (OSError, ValueError, KeyError, TypeError):
            return "unreadable pointer"
        if pointer.schema_version != SCHEMA_VERSION:
            return f"schema version {pointer.schema_version}, want {SCHEMA_VERSION}"
        if pointer.source_id != wanted:
            return f"built from {pointer.source_id!r}, want {wanted!r}"
        try:
            index = self._open_index(self.index_dir / pointer.generation)
            index.searcher().search(tantivy.Query.all_query(), limit=1, count=True)
        except (OSError, ValueError, RuntimeError) as exc:
            return f"corrupt: {exc}"
        return None

    def needs_rebuild(self, source_id: str | None = None) -> bool:
        """True when the index is missing, corrupt, of an old schema, or built from another source."""
        return self.rebuild_reason(source_id) is not None

    @property
    def holds_writer(self) -> bool:
        return self._lock.is_locked

    # -- protocol ---------------------------------------------------------------------------

    async def ensure_settings(self) -> None:
        """Take the writer lock (writer mode) and open the live index, creating an empty one if none.

        Synonyms and ranking are applied at query time, so there are no index settings to push; an
        empty index created here records no source, so needs_rebuild() keeps asking for a rebuild.
        """
        await asyncio.to_thread(self._ensure)

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        if docs:
            await asyncio.to_thread(self._write, "upsert", list(docs))

    async def delete(self, ids: Sequence[int]) -> None:
        if ids:
            await asyncio.to_thread(self._write, "delete", list(ids))

    async def search(self, query: SearchQuery) -> SearchResult:
        return await asyncio.to_thread(self.search_sync, query)

    async def health(self) -> bool:
        try:
            opened = await asyncio.to_thread(self._current)
            await asyncio.to_thread(opened.index.searcher)
        except EngineUnavailable:
            return False
        return True

    async def rebuild(
        self, docs: AsyncIterator[list[SearchDocument]] | Iterable[list[SearchDocument]]
    ) -> None:
        """Index everything into a new generation, replay writes made meanwhile, then switch."""
        await asyncio.to_thread(self._acquire_writer)
        with self._state_lock:
            if self._replay is not None:
                raise EngineError("a rebuild is already running")
            self._replay = []
        path = self.index_dir / f"{GENERATION_PREFIX}{time.time_ns()}"
        writer: tantivy.IndexWriter | None = None
        try:
            path.mkdir(parents=True)
            index = self._open_index(path, create=True)
            writer = index.writer(heap_size=self._heap, num_threads=REBUILD_THREADS)
            async for batch in iterate_batches(docs):
                await asyncio.to_thread(self._add_batch, writer, batch)
            await asyncio.to_thread(self._switch_to, path.name, index, writer)
        except BaseException:
            with self._state_lock:
                self._replay = None
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.rollback()
                    writer.wait_merging_threads()
            shutil.rmtree(path, ignore_errors=True)
            raise

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    def reload(self) -> None:
        """See the writer's latest commit (and a switched generation) now, not at the next refresh."""
        self._refresh(force=True)

    def view_stamp(self) -> tuple[Any, ...]:
        """What this process's searches see now: it changes whenever an answer could change.

        Another process writes the index and marks the change delivered; this one sees it at its next
        refresh. A page kept per catalog version alone could keep the answer from before that refresh.
        """
        self._refresh()
        opened = self._opened
        return () if opened is None else (opened.pointer.generation, opened.stamp)

    # -- search -----------------------------------------------------------------------------

    def search_sync(self, query: SearchQuery) -> SearchResult:
        """The search itself, blocking; search() runs it in a worker thread."""
        opened = self._current()
        try:
            return self._search(opened, query)
        except (ValueError, RuntimeError, OSError) as exc:
            raise EngineUnavailable(f"embedded search failed: {exc}") from exc

    def _search(self, opened: Opened, query: SearchQuery) -> SearchResult:
        page, per_page = query.bounded_page()
        searcher = opened.index.searcher()
        filters = self._filter_queries(query)
        plans = self._plan(query.q, opened.vocabulary)
        word_queries = [self._word_query(plan) for plan in plans]
        if not word_queries:
            word_queries = [tantivy.Query.const_score_query(tantivy.Query.all_query(), 0.0)]
        matching = Matching(word_queries, self._pair_queries(plans), filters)
        total, facets, price_stats = self._aggregate(searcher, matching.query(1, exclude_next=False, ranked=False))
        at_least = self._bucket_sizes(searcher, matching, total)
        addresses = self._page_addresses(searcher, matching, at_least, query, page, per_page)
        highlighter = self._highlighter(plans)
        hits = []
        for address in addresses:
            stored = searcher.doc(address)
            hit = self._hit(stored, highlighter)
            # The filter guarantees it; this makes a broken filter fail closed, never leak.
            if hit.cooperative == query.cooperative:
                hits.append(hit)
        return SearchResult(
            hits=hits,
            total=total,
            page=page,
            per_page=per_page,
            facets=facets,
            price_stats=price_stats,
            engine=self.name,
        )

    @staticmethod
    def _aggregate(
        searcher: tantivy.Searcher, everything: tantivy.Query
    ) -> tuple[int, dict[str, dict[str, int]], dict[str, int] | None]:
        """The total, the facet counts and the price range over every match."""
        aggregates = searcher.aggregate(
            everything,
            {
                "category": {"terms": {"field": "category", "size": MAX_FACET_VALUES}},
                "producer": {"terms": {"field": "producer", "size": MAX_FACET_VALUES}},
                "price": {"stats": {"field": "price"}},
            },
        )
        total = int(aggregates["price"]["count"])
        facets = empty_facets()
        for name in facets:
            buckets = aggregates[name]["buckets"]
            facets[name] = {b["key"]: int(b["doc_count"]) for b in sorted(buckets, key=lambda b: b["key"])}
        stats = aggregates["price"]
        price_stats = {"min": int(stats["min"]), "max": int(stats["max"])} if total else None
        return total, facets, price_stats

    @staticmethod
    def _bucket_sizes(searcher: tantivy.Searcher, matching: Matching, total: int) -> dict[int, int]:
        """Sizes of the buckets: at_least[k] = documents matching the first k words."""
        at_least = {1: total}
        for k in range(2, matching.words + 1):
            if at_least[k - 1] == 0:
                at_least[k] = 0
                continue
            found = searcher.search(matching.query(k, exclude_next=False, ranked=False), limit=1, count=True)
            at_least[k] = int(found.count)  # type: ignore[attr-defined]  # missing from tantivy's stub
        return at_least

    def _page_addresses(
        self,
        searcher: tantivy.Searcher,
        matching: Matching,
        at_least: dict[int, int],
        query: SearchQuery,
        page: int,
        per_page: int,
    ) -> list[tantivy.DocAddress]:
        """The page's documents, walking the buckets from most words matched to fewest."""
        addresses: list[tantivy.DocAddress] = []
        skip = (page - 1) * per_page
        wanted = per_page
        order_by, order = self._order(query)
        for k in range(matching.words, 0, -1):
            size = at_least[k] - at_least.get(k + 1, 0)
            if wanted == 0:
                break
            if skip >= size:
                skip -= size
                continue
            bucket = matching.query(k, exclude_next=True)
            limit = min(wanted, size - skip)
            found = searcher.search(
                bucket, limit=limit, count=False, order_by_field=order_by, offset=skip, order=order
            )
            addresses.extend(address for _score, address in found.hits)
            wanted -= len(found.hits)
            skip = 0
        return addresses

    @staticmethod
    def _order(query: SearchQuery) -> tuple[str | None, tantivy.Order]:
        if query.sort == "price_asc":
            return "price", tantivy.Order.Asc
        if query.sort == "price_desc":
            return "price", tantivy.Order.Desc
        if query.sort == "newest":
            return "created_at", tantivy.Order.Desc
        return None, tantivy.Order.Desc

    def _filter_queries(self, query: SearchQuery) -> list[tantivy.Query]:
        """Exact-value filters scoring zero, so they never change the ranking."""
        schema = self._schema
        filters = [tantivy.Query.term_query(schema, "cooperative", query.cooperative)]
        if query.categories:
            filters.append(self._any_term("category", query.categories))
        if query.producers:
            filters.append(self._any_term("producer", query.producers))
        if query.min_price is not None or query.max_price is not None:
            filters.append(
                tantivy.Query.range_query(
                    schema,
                    "price",
                    tantivy.FieldType.Integer,
                    lower_bound=int(query.min_price) if query.min_price is not None else -(2**62),
                    upper_bound=int(query.max_price) if query.max_price is not None else 2**62,
                )
            )
        if query.in_stock:
            filters.append(tantivy.Query.term_query(schema, "in_stock", True))
        return [tantivy.Query.const_score_query(f, 0.0) for f in filters]

    def _any_term(self, name: str, terms: Sequence[str]) -> tantivy.Query:
        """Documents with any of the terms in one field."""
        Q = tantivy.Query
        if len(terms) == 1:
            return Q.term_query(self._schema, name, terms[0])
        if len(terms) <= SMALL_TERM_SET:
            # A few plain term queries are an order of magnitude cheaper than a term-set query.
            return Q.boolean_query([(tantivy.Occur.Should, Q.term_query(self._schema, name, t)) for t in terms])
        return Q.term_set_query(self._schema, name, list(terms))

    def _plan(self, text: str, vocabulary: Vocabulary) -> list[WordPlan]:
        words = self._analyzer.analyze(text)[:MAX_QUERY_WORDS]
        # As in Meilisearch, the last word is still being typed unless a space follows it.
        typing = bool(text) and not text[-1].isspace()
        plans = []
        for position, word in enumerate(words):
            one, two = vocabulary.typo_variants(word)
            plans.append(WordPlan(word, typing and position == len(words) - 1, one, two))
        for span in self._synonyms.spans(words):
            for position in range(span.start, span.end):
                plans[position].synonyms.extend(span.alternatives)
        return plans

    def _word_query(self, plan: WordPlan) -> tantivy.Query:
        """Documents matching one query word, scored by the best way they match it."""
        schema = self._schema
        Q = tantivy.Query
        variants: list[tantivy.Query] = []
        for rank, name in enumerate(TEXT_FIELDS):
            base = WORD_BASE - rank * ATTRIBUTE_STEP
            variants.append(Q.const_score_query(Q.term_query(schema, name, plan.word), base))
            if plan.prefix:
                prefix = Q.fuzzy_term_query(schema, name, plan.word, distance=0, prefix=True)
                variants.append(Q.const_score_query(prefix, base - EXACTNESS_STEP))
            if plan.one_typo:
                one = self._any_term(name, plan.one_typo)
                variants.append(Q.const_score_query(one, base - TYPO_STEP))
            if plan.two_typos:
                two = self._any_term(name, plan.two_typos)
                variants.append(Q.const_score_query(two, base - 2 * TYPO_STEP))
            for words in plan.synonyms:
                synonym = (
                    Q.term_query(schema, name, words[0])
                    if len(words) == 1
                    else Q.phrase_query(schema, name, list(words))
                )
                variants.append(Q.const_score_query(synonym, base - 2 * EXACTNESS_STEP))
        return Q.disjunction_max_query(variants)

    def _pair_queries(self, plans: list[WordPlan]) -> list[tantivy.Query]:
        """A bonus for each pair of neighbouring query words found side by side (proximity)."""
        Q = tantivy.Query
        pairs = []
        for first, second in itertools.pairwise(plans):
            words: list[str | tuple[int, str]] = [first.word, second.word]
            phrases = [
                Q.phrase_prefix_query(self._schema, name, words)
                if second.prefix
                else Q.phrase_query(self._schema, name, words)
                for name in TEXT_FIELDS
            ]
            pairs.append(Q.const_score_query(Q.disjunction_max_query(phrases), PROXIMITY_STEP))
        return pairs

    @staticmethod
    def _highlighter(plans: list[WordPlan]) -> Highlighter:
        terms: set[str] = set()
        prefixes: list[str] = []
        for plan in plans:
            terms.add(plan.word)
            terms.update(plan.one_typo)
            terms.update(plan.two_typos)
            for words in plan.synonyms:
                terms.update(words)
            if plan.prefix:
                prefixes.append(plan.word)
        return Highlighter(terms, tuple(prefixes))

    def _hit(self, stored: tantivy.Document, highlighter: Highlighter) -> Hit:
        values = stored.to_dict()
        name = str(values["name"][0])
        return Hit(
            id=int(values["id"][0]),
            name=name,
            price=int(values["price"][0]),
            unit=str(values["unit"][0]),
            category=str(values["category"][0]),
            producer=str(values["producer"][0]),
            in_stock=bool(values["in_stock"][0]),
            cooperative=str(values["cooperative"][0]),
            highlight_name=highlighter(self._analyzer, name),
        )

    # -- opening, refreshing, switching -----------------------------------------------------

    def _open_index(self, path: Path, create: bool = False) -> tantivy.Index:
        if create:
            index = tantivy.Index(self._schema, path=str(path), reuse=False)
        else:
            if not (path / "meta.json").exists():
                raise ValueError(f"no index in {path}")
            index = tantivy.Index.open(str(path))
        # Tokenizers are not stored in the index: every opener registers them again.
        index.register_tokenizer(TOKENIZER, self._analyzer)
        # Reload only when told (after our own commits, or on refresh), so a search never sees a
        # half-switched state and readers decide when to pay for it.
        index.config_reader(reload_policy="manual")
        return index

    def _read_pointer(self) -> Pointer:
        return Pointer.load((self.index_dir / CURRENT_FILE).read_text(encoding="utf-8"))

    def _write_pointer(self, pointer: Pointer) -> None:
        target = self.index_dir / CURRENT_FILE
        temporary = self.index_dir / f"{CURRENT_FILE}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(pointer.dump())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)  # atomic: a reader sees the old or the new pointer, never half
        directory = os.open(self.index_dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def _pointer_file_stamp(self) -> tuple[int, int, int] | None:
        try:
            info = (self.index_dir / CURRENT_FILE).stat()
        except FileNotFoundError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    @staticmethod
    def _meta_stamp(path: Path) -> tuple[int, int, int]:
        try:
            info = (path / "meta.json").stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return info.st_ino, info.st_mtime_ns, info.st_size

    def _vocabulary(self, index: tantivy.Index) -> Vocabulary:
        searcher = index.searcher()
        terms: set[str] = set()
        for name in TEXT_FIELDS:
            terms.update(term for term, _count in searcher.terms_with_prefix(name, ""))
        return Vocabulary(terms)

    def _open_generation(self, pointer: Pointer) -> Opened:
        path = self.index_dir / pointer.generation
        index = self._open_index(path)
        index.reload()
        return Opened(pointer, path, index, self._vocabulary(index), self._meta_stamp(path))

    def _current(self) -> Opened:
        self._refresh()
        opened = self._opened
        if opened is None:
            raise EngineUnavailable(f"no usable search index in {self.index_dir}")
        return opened

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self._opened is not None and now - self._last_check < REFRESH_INTERVAL_S:
            return
        with self._state_lock:
            self._last_check = now
            stamp = self._pointer_file_stamp()
            if self._opened is None or stamp != self._pointer_stamp:
                self._reopen(stamp)
                return
            opened = self._opened
            if self._index_writer is not None:
                return  # our own commits reload eagerly; nobody else can commit here
            meta = self._meta_stamp(opened.path)
            if meta != opened.stamp:
                try:
                    opened.index.reload()
                    opened.vocabulary = self._vocabulary(opened.index)
                    opened.stamp = meta
                except (ValueError, RuntimeError, OSError) as exc:
                    log.warning("search index reload failed: %s", exc)

    def _reopen(self, stamp: tuple[int, int, int] | None) -> None:
        """Open whatever CURRENT points at; a reader keeps its old index if that fails."""
        try:
            pointer = self._read_pointer()
            if self._opened is not None and self._opened.pointer == pointer:
                self._pointer_stamp = stamp
                return
            opened = self._open_generation(pointer)
        except FileNotFoundError:
            # No index yet (first start, or a new VAR_DIR): the app builds one from the database.
            log.info("no search index in %s yet", self.index_dir)
            return
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            log.warning("cannot open search index in %s: %s", self.index_dir, exc)
            return
        if self._index_writer is not None:
            # Only this process switches generations, so this is our own index: keep its writer.
            return
        self._opened = opened
        self._pointer_stamp = stamp

    def _acquire_writer(self) -> None:
        if not self.writer:
            raise EngineError("this engine was opened read-only")
        if self._lock.is_locked:
            return
        self.index_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except filelock.Timeout as exc:
            raise WriterBusy(f"another process writes the search index in {self.index_dir}") from exc

    def _ensure(self) -> None:
        if self.writer:
            self._acquire_writer()
        with self._state_lock:
            if self._opened is None:
                self._reopen(self._pointer_file_stamp())
            if self._opened is None and self.writer:
                # Missing or unopenable: start empty; the caller sees needs_rebuild() and rebuilds.
                generation = f"{GENERATION_PREFIX}{time.time_ns()}"
                path = self.index_dir / generation
                path.mkdir(parents=True)
                index = self._open_index(path, create=True)
                index.writer(heap_size=self._update_heap, num_threads=UPDATE_THREADS).commit()
                pointer = Pointer(generation, SCHEMA_VERSION, source_id="")
                previous = self._safe_pointer()
                self._write_pointer(pointer)
                self._opened = self._open_generation(pointer)
                self._pointer_stamp = self._pointer_file_stamp()
                if previous is not None and previous.generation != generation:
                    shutil.rmtree(self.index_dir / previous.generation, ignore_errors=True)
            if self._opened is None:
                raise EngineUnavailable(f"no usable search index in {self.index_dir}")
            if self.writer:
                # We hold the directory lock, so any other generation is a crashed rebuild's.
                self._remove_orphans(keep=self._opened.pointer.generation)

    def _open_writer(self) -> tantivy.IndexWriter:
        """The writer for the relay's changes, opened at the first write: a process that only searches (or has
        nothing to deliver yet) never pays for tantivy's indexing threads and memory budget."""
        with self._state_lock:
            if self._index_writer is None:
                assert self._opened is not None
                try:
                    self._index_writer = self._opened.index.writer(
                        heap_size=self._update_heap, num_threads=UPDATE_THREADS
                    )
                except ValueError as exc:  # tantivy's LockBusy
                    raise WriterBusy(str(exc)) from exc
            return self._index_writer

    def _safe_pointer(self) -> Pointer | None:
        try:
            return self._read_pointer()
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write(self, operation: str, items: list[Any]) -> None:
        if not self.writer:
            raise EngineError("this engine was opened read-only")
        if self._opened is None or not self._lock.is_locked:
            self._ensure()
        with self._state_lock:
            writer, opened = self._open_writer(), self._opened
            assert opened is not None
            try:
                self._apply(writer, operation, items)
                writer.commit()
                opened.index.reload()
            except (ValueError, RuntimeError, OSError) as exc:
                with contextlib.suppress(Exception):
                    writer.rollback()
                raise EngineUnavailable(f"embedded index write failed: {exc}") from exc
            if operation == "upsert":
                # New words must become typo-reachable; removed ones do no harm until a reload.
                self._add_words(opened, items)
            opened.stamp = self._meta_stamp(opened.path)
            if self._replay is not None:
                self._replay.append((operation, items))

    def _add_words(self, opened: Opened, docs: list[SearchDocument]) -> None:
        words: set[str] = set()
        for doc in docs:
            for text in (doc.name, *doc.aliases, doc.category, doc.producer, doc.description):
                words.update(self._analyzer.analyze(text))
        if not words <= opened.vocabulary.terms:
            opened.vocabulary = Vocabulary(opened.vocabulary.terms | words)

    @staticmethod
    def _apply(writer: tantivy.IndexWriter, operation: str, items: list[Any]) -> None:
        if operation == "upsert":
            for doc in items:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(to_tantivy(doc))
        else:
            for doc_id in items:
                writer.delete_documents_by_term("id", int(doc_id))

    @staticmethod
    def _add_batch(writer: tantivy.IndexWriter, batch: list[SearchDocument]) -> None:
        for doc in batch:
            # Delete first so a stream that repeats an id still leaves one document.
            writer.delete_documents_by_term("id", doc.id)
            writer.add_document(to_tantivy(doc))

    def _switch_to(self, generation: str, index: tantivy.Index, writer: tantivy.IndexWriter) -> None:
        with self._state_lock:
            # Writes that reached the old index while we were building must not be lost.
            for operation, items in self._replay or []:
                self._apply(writer, operation, items)
            self._replay = None
            writer.commit()
            pointer = Pointer(generation, SCHEMA_VERSION, self.source_id)
            previous = self._safe_pointer()
            self._write_pointer(pointer)
            old_writer = self._index_writer
            index.reload()
            path = self.index_dir / generation
            self._opened = Opened(pointer, path, index, self._vocabulary(index), self._meta_stamp(path))
            self._pointer_stamp = self._pointer_file_stamp()
            self._index_writer = writer
        if old_writer is not None:
            with contextlib.suppress(Exception):
                old_writer.wait_merging_threads()  # releases tantivy's lock on the old directory
        if previous is not None and previous.generation != generation:
            # Readers in other processes keep their open files (mmap) until they switch too.
            shutil.rmtree(self.index_dir / previous.generation, ignore_errors=True)
        self._remove_orphans(keep=generation)

    def _remove_orphans(self, keep: str) -> None:
        """Generations left by a crashed rebuild."""
        for path in self.index_dir.glob(f"{GENERATION_PREFIX}*"):
            if path.name != keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    def _close(self) -> None:
        with self._state_lock:
            writer, self._index_writer = self._index_writer, None
            self._opened = None
            self._pointer_stamp = None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.wait_merging_threads()
        if self._lock.is_locked:
            self._lock.release()
