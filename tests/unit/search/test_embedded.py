"""The embedded engine: typo rules, ranking, and its index directory (swap, readers, lock, checks)."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import AsyncIterator, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
import tantivy
from hypothesis import given
from hypothesis import strategies as st

from search.documents import SearchDocument
from search.embedded import (
    CURRENT_FILE,
    EmbeddedEngine,
    Highlighter,
    Vocabulary,
    WriterBusy,
    bounded_distance,
    build_analyzer,
    typo_budget,
)
from search.engine import EngineError, EngineUnavailable, SearchQuery
from tests.unit.search import reader_process


def product(
    id: int, name: str, *, price: int = 10_000, description: str = "", cooperative: str = "desa"
) -> SearchDocument:
    return SearchDocument(
        id=id,
        cooperative=cooperative,
        name=name,
        aliases=[],
        category="Sembako",
        producer="Uji",
        description=description,
        unit="pcs",
        price=price,
        in_stock=True,
        created_at=1_700_000_000 + id,
    )


async def built(index_dir: Path, docs: list[SearchDocument], source_id: str = "db-1") -> EmbeddedEngine:
    engine = EmbeddedEngine(index_dir, {}, source_id=source_id)
    await engine.rebuild([docs])
    return engine


async def names(engine: EmbeddedEngine, q: str) -> list[str]:
    result = await engine.search(SearchQuery(cooperative="desa", q=q, per_page=50))
    return [h.name for h in result.hits]


# -- typo rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "budget"), [("gula", 0), ("telur", 1), ("minyak", 1), ("kelulutan", 2), ("sasirangan", 2)]
)
def test_typo_budget_follows_word_length(word: str, budget: int) -> None:
    assert typo_budget(word) == budget


def reference_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, the plain full-table way."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[len(a)][len(b)]


@given(st.text("abcde", max_size=9), st.text("abcde", max_size=9), st.integers(0, 2))
def test_bounded_distance_agrees_with_the_full_table(a: str, b: str, limit: int) -> None:
    expected = reference_distance(a, b)
    assert bounded_distance(a, b, limit) == (expected if expected <= limit else None)


VOCABULARY = Vocabulary(
    ["minyak", "minyakita", "goreng", "telur", "telor", "sasirangan", "kasirangan", "gula"]
)


def test_one_typo_from_five_letters() -> None:
    assert VOCABULARY.typo_variants("minyk") == (("minyak",), ())
    assert VOCABULARY.typo_variants("gorng") == (("goreng",), ())
    assert VOCABULARY.typo_variants("telir") == (("telor", "telur"), ())


def test_no_typo_under_five_letters() -> None:
    assert VOCABULARY.typo_variants("gila") == ((), ())


def test_a_wrong_first_letter_costs_two_typos() -> None:
    # Six letters allow one typo: not enough for a wrong first letter.
    assert VOCABULARY.typo_variants("tinyak") == ((), ())
    # Ten letters allow two: a wrong first letter uses both...
    assert VOCABULARY.typo_variants("xasirangan") == ((), ("kasirangan", "sasirangan"))
    # ...so nothing else may be wrong.
    assert "sasirangan" not in VOCABULARY.typo_variants("xasiranagn")[1]
    assert VOCABULARY.typo_variants("sasiranagn") == (("sasirangan",), ())


def test_highlight_escapes_everything_but_the_marks() -> None:
    highlight = Highlighter({"gula"}, ("ar",))
    assert highlight(build_analyzer(), '<b>Gula</b> & "aren"') == (
        "&lt;b&gt;<mark>Gula</mark>&lt;/b&gt; &amp; &quot;<mark>aren</mark>&quot;"
    )


# -- ranking ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_ranking_words_then_typos_then_attribute(tmp_path: Path) -> None:
    engine = await built(
        tmp_path / "idx",
        [
            product(1, "Pisang goreng keju"),
            product(2, "Pesang goreng"),  # both words, one typo
            product(3, "Kerupuk", description="teman pisang goreng"),  # both words, in the description
            product(4, "Pisang kepok"),  # the first word only
            product(5, "Goreng pisang"),  # both words, the other way round
            product(6, "Tahu goreng"),  # the second word only: not a match under "last"
        ],
    )
    try:
        ranked = await names(engine, "pisang goreng ")
        one_word = await names(engine, "pisang ")
    finally:
        await engine.close()
    assert ranked[0] == "Pisang goreng keju"  # all words, exact, side by side, in the name
    # A typo costs more than a worse attribute or the words being apart.
    assert ranked.index("Kerupuk") < ranked.index("Pesang goreng")
    assert ranked.index("Goreng pisang") < ranked.index("Pesang goreng")
    assert ranked[-1] == "Pisang kepok"  # fewer words last
    # The name outranks the description, and any typo comes after both.
    assert one_word[-2:] == ["Kerupuk", "Pesang goreng"]
    assert "Tahu goreng" not in ranked


@pytest.mark.asyncio
async def test_prefix_only_on_the_last_word(tmp_path: Path) -> None:
    engine = await built(tmp_path / "idx", [product(1, "Minyak goreng"), product(2, "Minyakita")])
    try:
        assert sorted(await names(engine, "miny")) == ["Minyak goreng", "Minyakita"]
        assert await names(engine, "miny goreng") == []  # "miny" is finished: no prefix, too short for a typo
    finally:
        await engine.close()


@pytest.mark.asyncio
async def test_pages_past_the_end_and_empty_pages_never_ask_tantivy_for_zero(tmp_path: Path) -> None:
    engine = await built(tmp_path / "idx", [product(i, f"Beras {i}") for i in range(1, 6)])
    try:
        beyond = await engine.search(SearchQuery(cooperative="desa", q="beras", page=99))
        zero = await engine.search(SearchQuery(cooperative="desa", q="beras", per_page=0, page=0))
    finally:
        await engine.close()
    assert beyond.hits == []
    assert beyond.total == 5
    assert (zero.page, zero.per_page, len(zero.hits)) == (1, 1, 1)


# -- the index directory ---------------------------------------------------------------------


def generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir())


def pointer(index_dir: Path) -> dict[str, Any]:
    return dict(json.loads((index_dir / CURRENT_FILE).read_text()))


@pytest.mark.asyncio
async def test_missing_index_needs_a_rebuild_even_after_start_up(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path / "idx", {}, source_id="db-1")
    assert engine.rebuild_reason() == "missing"
    await engine.ensure_settings()  # opens an empty index so searches work meanwhile
    assert (await engine.search(SearchQuery(cooperative="desa"))).total == 0
    assert engine.needs_rebuild()  # ...but it was built from nothing
    await engine.rebuild([[product(1, "Beras")]])
    assert not engine.needs_rebuild()
    await engine.close()


@pytest.mark.asyncio
async def test_an_index_from_another_database_needs_a_rebuild(tmp_path: Path) -> None:
    await (await built(tmp_path / "idx", [product(1, "Beras")], source_id="db-1")).close()
    assert not EmbeddedEngine(tmp_path / "idx", {}, source_id="db-1").needs_rebuild()
    other = EmbeddedEngine(tmp_path / "idx", {}, source_id="db-2")
    assert other.needs_rebuild()
    assert "db-1" in (other.rebuild_reason() or "")
    assert other.needs_rebuild("db-1") is False


@pytest.mark.asyncio
async def test_an_older_schema_needs_a_rebuild(tmp_path: Path) -> None:
    await (await built(tmp_path / "idx", [product(1, "Beras")])).close()
    current = pointer(tmp_path / "idx")
    current["schema_version"] = 0
    (tmp_path / "idx" / CURRENT_FILE).write_text(json.dumps(current))
    assert "schema" in (EmbeddedEngine(tmp_path / "idx", {}, source_id="db-1").rebuild_reason() or "")


@pytest.mark.asyncio
@pytest.mark.parametrize("damage", ["meta", "segments", "pointer"])
async def test_a_corrupt_index_is_detected_and_rebuilt(tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "idx"
    await (await built(index_dir, [product(1, "Beras")])).close()
    generation = index_dir / pointer(index_dir)["generation"]
    if damage == "meta":
        (generation / "meta.json").write_text("{ not json")
    elif damage == "segments":
        for path in generation.iterdir():
            if path.suffix in (".idx", ".term", ".store"):
                path.write_bytes(b"\0garbage")
    else:
        (index_dir / CURRENT_FILE).write_text("garbage")

    assert EmbeddedEngine(index_dir, {}, source_id="db-1").needs_rebuild()
    reader = EmbeddedEngine(index_dir, {}, writer=False)
    with pytest.raises(EngineUnavailable):
        await reader.search(SearchQuery(cooperative="desa", q="beras"))
    assert await reader.health() is False

    engine = EmbeddedEngine(index_dir, {}, source_id="db-1")
    await engine.ensure_settings()
    await engine.rebuild([[product(1, "Beras"), product(2, "Gula")]])
    assert not engine.needs_rebuild()
    assert sorted(await names(engine, "")) == ["Beras", "Gula"]
    await engine.close()


@pytest.mark.asyncio
async def test_rebuild_switches_to_a_new_directory_and_removes_the_old(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    engine = await built(index_dir, [product(1, "Beras lama")])
    try:
        before = pointer(index_dir)["generation"]
        assert generations(index_dir) == [before]
        await engine.rebuild([[product(2, "Beras baru")]])
        after = pointer(index_dir)["generation"]
        assert after != before
        assert generations(index_dir) == [after]
        assert await names(engine, "beras") == ["Beras baru"]
        # The engine keeps writing, now into the new directory.
        await engine.upsert([product(3, "Beras ketan")])
        assert sorted(await names(engine, "beras")) == ["Beras baru", "Beras ketan"]
    finally:
        await engine.close()


@pytest.mark.asyncio
async def test_writes_during_a_rebuild_are_not_lost(tmp_path: Path) -> None:
    engine = await built(tmp_path / "idx", [product(1, "Gula", price=1), product(2, "Garam")])

    async def database_stream() -> AsyncIterator[list[SearchDocument]]:
        # The stream read these rows before the changes below were delivered.
        yield [product(1, "Gula", price=1), product(2, "Garam")]
        await engine.upsert([product(1, "Gula", price=2), product(3, "Kopi")])
        await engine.delete([2])
        yield [product(4, "Teh")]

    try:
        await engine.rebuild(database_stream())
        result = await engine.search(SearchQuery(cooperative="desa", per_page=10))
    finally:
        await engine.close()
    assert sorted((h.name, h.price) for h in result.hits) == [("Gula", 2), ("Kopi", 10_000), ("Teh", 10_000)]


@pytest.mark.asyncio
async def test_a_failed_rebuild_leaves_the_live_index_alone(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    engine = await built(index_dir, [product(1, "Beras")])

    def broken() -> Iterator[list[SearchDocument]]:
        yield [product(2, "Gula")]
        raise RuntimeError("database went away")

    try:
        with pytest.raises(RuntimeError):
            await engine.rebuild(broken())
        assert generations(index_dir) == [pointer(index_dir)["generation"]]
        assert await names(engine, "") == ["Beras"]
    finally:
        await engine.close()


@pytest.mark.asyncio
async def test_a_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    first = await built(tmp_path / "idx", [product(1, "Beras")])
    second = EmbeddedEngine(tmp_path / "idx", {})
    with pytest.raises(WriterBusy):
        await second.ensure_settings()
    await first.close()
    await second.ensure_settings()  # free again once the first writer is gone
    await second.close()


@pytest.mark.asyncio
async def test_a_reader_cannot_write(tmp_path: Path) -> None:
    await (await built(tmp_path / "idx", [product(1, "Beras")])).close()
    reader = EmbeddedEngine(tmp_path / "idx", {}, writer=False)
    with pytest.raises(EngineError):
        await reader.upsert([product(2, "Gula")])
    assert await names(reader, "beras") == ["Beras"]


def ask(conn: Connection, *command: object) -> Any:
    conn.send(command)
    if not conn.poll(60):
        raise TimeoutError(f"the other process did not answer {command!r}")
    return conn.recv()


@pytest.mark.asyncio
async def test_a_reader_in_another_process_sees_commits_after_reload(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    writer = await built(index_dir, [product(1, "Beras", price=100)])
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=reader_process.serve, args=(str(index_dir), theirs), daemon=True)
    process.start()
    try:
        assert ask(ours, "search", "desa", "beras") == [[1, 100]]
        await writer.upsert([product(1, "Beras", price=200), product(2, "Beras ketan", price=300)])
        ask(ours, "reload")
        assert ask(ours, "search", "desa", "beras") == [[1, 200], [2, 300]]
        # A rebuild moves to a new directory and deletes the old one under the reader's feet.
        await writer.rebuild([[product(5, "Beras merah", price=500)]])
        ask(ours, "reload")
        assert ask(ours, "search", "desa", "beras") == [[5, 500]]
        # And another process cannot become a second writer.
        assert ask(ours, "try_writer") == "busy"
        await writer.close()
        assert ask(ours, "try_writer") == "acquired"
    finally:
        await writer.close()
        ours.send(("stop",))
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


def test_tantivy_refuses_a_second_index_writer(tmp_path: Path) -> None:
    """The guarantee the directory lock stands on, checked on the installed tantivy."""
    schema = tantivy.SchemaBuilder().add_text_field("name", stored=True).build()
    index = tantivy.Index(schema, path=str(tmp_path))
    first = index.writer()
    with pytest.raises(ValueError, match="LockBusy"):
        tantivy.Index.open(str(tmp_path)).writer()
    first.wait_merging_threads()


async def test_a_readers_view_stamp_moves_with_the_writers_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kept shop pages and search answers carry this stamp: a reader that sees a commit a moment after
    # the change was marked delivered must not keep serving the answer it gave before.
    monkeypatch.setattr("search.embedded.REFRESH_INTERVAL_S", 0.0)
    writer = await built(tmp_path / "idx", [product(1, "Beras")])
    reader = EmbeddedEngine(tmp_path / "idx", {}, writer=False)
    try:
        before = reader.view_stamp()
        assert before and reader.view_stamp() == before  # nothing written: the same answers
        await writer.upsert([product(2, "Gula pasir")])
        after = reader.view_stamp()
        assert after != before
        assert await names(reader, "gula") == ["Gula pasir"]
        await writer.rebuild([[product(3, "Telur")]])
        assert reader.view_stamp() not in (before, after)
        assert await names(reader, "telur") == ["Telur"]
    finally:
        await writer.close()
        await reader.close()
