"""The search contract: what a resident notices, the same on the embedded engine and on Meilisearch."""

from __future__ import annotations

import contextlib
import html
import re
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from search.documents import SearchDocument
from search.engine import SearchEngine, SearchQuery, SearchResult
from tests.contract.conftest import HOSTILE, EngineMaker, contract_documents
from tests.contract.demo_data import cooperatives

pytestmark = pytest.mark.asyncio

TOP = 5


@contextlib.asynccontextmanager
async def opened(maker: EngineMaker) -> AsyncIterator[SearchEngine]:
    engine = maker.make()
    try:
        yield engine
    finally:
        await engine.close()


async def search(maker: EngineMaker, **fields: object) -> SearchResult:
    async with opened(maker) as engine:
        return await engine.search(SearchQuery(**fields))  # type: ignore[arg-type]


async def all_hits(engine: SearchEngine, **fields: object) -> list[SearchResult]:
    """Every page of a query, walking until a page comes back short."""
    pages = []
    page = 1
    while True:
        result = await engine.search(SearchQuery(page=page, per_page=20, **fields))  # type: ignore[arg-type]
        pages.append(result)
        if len(result.hits) < 20 or page > 50:
            return pages
        page += 1


def docs_of(cooperative: str) -> list[SearchDocument]:
    return [d for d in contract_documents() if d.cooperative == cooperative]


def top_names(result: SearchResult) -> list[str]:
    return [hit.name for hit in result.hits[:TOP]]


def assert_found(result: SearchResult, expected: str, q: str) -> None:
    names = top_names(result)
    assert any(expected.lower() in name.lower() for name in names), f"{q!r}: {expected!r} not in {names}"


# -- what residents type ------------------------------------------------------------------

TYPOS = [
    ("lok-baintan", "minyak gorng", "Minyak goreng"),  # 5 letters: one typo allowed
    ("lok-baintan", "telut ayam", "Telur ayam"),  # r→t, neighbours on the keyboard
    ("lok-baintan", "sasiranagn", "sasirangan"),  # 10 letters: a swap of two letters
    ("lok-baintan", "kerupk haruan", "Kerupuk haruan"),
    ("lok-baintan", "bawnag merah", "Bawang merah"),
    ("telaga-bidadari", "madu kelulutt", "Madu kelulut"),
]
PREFIXES = [
    ("lok-baintan", "miny", "Minyak"),
    ("telaga-bidadari", "gula ar", "Gula aren"),
    ("tabanio", "ampl", "Amplang"),
    ("lok-baintan", "kain sasir", "Kain sasirangan"),
]
SYNONYMS = [
    ("lok-baintan", "migor", "Minyak"),
    ("lok-baintan", "hintalu", "Telur"),
    ("lok-baintan", "hantalu", "Telur"),  # only the synonym list knows this one
    ("telaga-bidadari", "gula habang", "Gula habang"),
    ("telaga-bidadari", "gula jawa", "Gula habang"),  # only through the synonym list
    ("tabanio", "gas melon", "LPG 3 kg"),
    ("telaga-bidadari", "kunir", "Kunyit"),
    ("telaga-bidadari", "kulit manis", "Kayu manis"),
]


@pytest.mark.parametrize(("cooperative", "q", "expected"), TYPOS)
async def test_typos_find_the_product(
    demo_engine: EngineMaker, cooperative: str, q: str, expected: str
) -> None:
    assert_found(await search(demo_engine, cooperative=cooperative, q=q), expected, q)


@pytest.mark.parametrize(("cooperative", "q", "expected"), PREFIXES)
async def test_prefix_of_the_last_word_finds_the_product(
    demo_engine: EngineMaker, cooperative: str, q: str, expected: str
) -> None:
    assert_found(await search(demo_engine, cooperative=cooperative, q=q), expected, q)


@pytest.mark.parametrize(("cooperative", "q", "expected"), SYNONYMS)
async def test_synonyms_find_the_product(
    demo_engine: EngineMaker, cooperative: str, q: str, expected: str
) -> None:
    assert_found(await search(demo_engine, cooperative=cooperative, q=q), expected, q)


# Words the demo products never contain: only the synonym list can lead to them.
SYNONYM_ONLY = [
    ("telaga-bidadari", "kunir", ["Kunyit segar 250 g"]),
    ("telaga-bidadari", "kulit manis", ["Kayu manis batang Loksado 100 g", "Kayu manis bubuk 100 g"]),
    ("tabanio", "belacan", ["Acan udang 100 g", "Acan udang 250 g"]),
    ("telaga-bidadari", "gula jawa", ["Gula habang murni 1 kg", "Gula habang murni 500 g"]),
]


@pytest.mark.parametrize(("cooperative", "q", "expected"), SYNONYM_ONLY)
async def test_synonyms_rank_what_they_mean_first(
    demo_engine: EngineMaker, cooperative: str, q: str, expected: list[str]
) -> None:
    result = await search(demo_engine, cooperative=cooperative, q=q)
    top = [hit.name for hit in result.hits[: len(expected) + 1]]
    assert set(expected) <= set(top), f"{q!r}: {expected} not all in {top}"


async def test_case_and_accents_do_not_matter(demo_engine: EngineMaker) -> None:
    plain = await search(demo_engine, cooperative="lok-baintan", q="jeruk siam")
    shouted = await search(demo_engine, cooperative="lok-baintan", q="JÉRUK SÏAM")
    assert plain.total > 0
    assert [h.id for h in shouted.hits] == [h.id for h in plain.hits]


async def test_short_words_get_no_typo(demo_engine: EngineMaker) -> None:
    # "guka" is four letters: Meilisearch allows no typo, so it must not turn into "gula".
    result = await search(demo_engine, cooperative="telaga-bidadari", q="guka ")
    assert all("gula" not in h.name.lower() for h in result.hits)


async def test_a_typo_on_the_first_letter_needs_two_typos_of_budget(demo_engine: EngineMaker) -> None:
    # Six letters allow one typo, but a wrong first letter costs two.
    result = await search(demo_engine, cooperative="lok-baintan", q="tinyak ")
    assert all("minyak" not in h.name.lower() for h in result.hits)


async def test_more_matched_words_rank_first(demo_engine: EngineMaker) -> None:
    # matchingStrategy "last": products with both words come before those with only the first.
    result = await search(demo_engine, cooperative="lok-baintan", q="kerupuk udang", per_page=50)
    names = [h.name.lower() for h in result.hits]
    both = [i for i, n in enumerate(names) if "kerupuk" in n and "udang" in n]
    first_only = [i for i, n in enumerate(names) if "kerupuk" in n and "udang" not in n]
    assert both
    assert first_only
    assert max(both) < min(first_only)


async def test_exact_words_rank_above_typos(demo_engine: EngineMaker) -> None:
    result = await search(demo_engine, cooperative="lok-baintan", q="pisang ")
    assert result.hits
    assert "pisang" in result.hits[0].name.lower()


# -- tenancy ---------------------------------------------------------------------------------

TENANCY_QUERIES = [
    "",
    "gula",
    "minyak",
    "telur",
    "lpg",
    "beras",
    "ikan",
    "KDMP Tabanio",
    "Gula Habang Hanau",
    "amplang",
    "madu",
    "sasirangan",
    "dodol",
    "antar belanja",
    "a",
]


@pytest.mark.parametrize("cooperative", cooperatives())
async def test_no_hit_ever_comes_from_another_cooperative(demo_engine: EngineMaker, cooperative: str) -> None:
    own_ids = {d.id for d in docs_of(cooperative)}
    async with opened(demo_engine) as engine:
        for q in TENANCY_QUERIES:
            for result in await all_hits(engine, cooperative=cooperative, q=q):
                assert {h.cooperative for h in result.hits} <= {cooperative}, q
                assert {h.id for h in result.hits} <= own_ids, q
                assert result.total <= len(own_ids), q
                assert sum(result.facets["category"].values()) == result.total, q


async def test_an_unknown_cooperative_sees_nothing(demo_engine: EngineMaker) -> None:
    result = await search(demo_engine, cooperative="desa-lain", q="")
    assert result.hits == []
    assert result.total == 0
    assert result.price_stats is None


@pytest.mark.parametrize(
    "hostile",
    ['Sembako" OR cooperative != "x', 'Sembako\\" OR cooperative != \\"x', "Sembako' OR 1=1 --"],
)
async def test_filter_injection_stays_in_the_cooperative(demo_engine: EngineMaker, hostile: str) -> None:
    for field in ("categories", "producers"):
        result = await search(demo_engine, cooperative="tabanio", q="", **{field: [hostile]})
        assert result.hits == []
        assert result.total == 0
    result = await search(demo_engine, cooperative="tabanio", q=hostile)
    assert {h.cooperative for h in result.hits} <= {"tabanio"}


# -- filters, facets, sort, pages ----------------------------------------------------------


def expected_ids(cooperative: str, **conditions: object) -> set[int]:
    docs = docs_of(cooperative)
    if "category" in conditions:
        docs = [d for d in docs if d.category == conditions["category"]]
    if "producer" in conditions:
        docs = [d for d in docs if d.producer == conditions["producer"]]
    if "min_price" in conditions:
        docs = [d for d in docs if d.price >= conditions["min_price"]]  # type: ignore[operator]
    if "max_price" in conditions:
        docs = [d for d in docs if d.price <= conditions["max_price"]]  # type: ignore[operator]
    if conditions.get("in_stock"):
        docs = [d for d in docs if d.in_stock]
    return {d.id for d in docs}


FILTER_CASES = [
    {"categories": ["Sembako"]},
    {"categories": ["Sayur & Buah", "Kerajinan"]},
    {"producers": ["Kelompok Tani Jukung Bahagia"]},
    {"min_price": 10_000, "max_price": 30_000},
    {"max_price": 5_000},
    {"in_stock": True},
    {"categories": ["Sembako"], "in_stock": True, "min_price": 15_000},
]


@pytest.mark.parametrize("filters", FILTER_CASES, ids=lambda f: ",".join(f))
async def test_filters_return_exactly_the_matching_products(
    demo_engine: EngineMaker, filters: dict[str, Any]
) -> None:
    cooperative = "lok-baintan"
    conditions: dict[str, object] = {}
    wanted: set[int] = set()
    for category in filters.get("categories", [None]):
        for producer in filters.get("producers", [None]):
            conditions = {k: v for k, v in filters.items() if k not in ("categories", "producers")}
            if category:
                conditions["category"] = category
            if producer:
                conditions["producer"] = producer
            wanted |= expected_ids(cooperative, **conditions)
    async with opened(demo_engine) as engine:
        pages = await all_hits(engine, cooperative=cooperative, q="", **filters)
    found = [h.id for page in pages for h in page.hits]
    assert wanted
    assert len(found) == len(set(found))
    assert set(found) == wanted
    assert pages[0].total == len(wanted)


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("", {}),
        ("gula", {}),
        ("ikan", {"in_stock": True}),
        ("", {"categories": ["Makanan Olahan"]}),
        ("kopi", {}),
    ],
)
async def test_facet_counts_are_the_counts_of_the_filtered_result(
    demo_engine: EngineMaker, q: str, filters: dict[str, Any]
) -> None:
    async with opened(demo_engine) as engine:
        pages = await all_hits(engine, cooperative="lok-baintan", q=q, **filters)
    hits = [h for page in pages for h in page.hits]
    first = pages[0]
    assert hits
    assert first.total == len(hits)
    assert first.facets["category"] == dict(Counter(h.category for h in hits))
    assert first.facets["producer"] == dict(Counter(h.producer for h in hits))
    assert first.price_stats == {"min": min(h.price for h in hits), "max": max(h.price for h in hits)}


@pytest.mark.parametrize("q", ["", "gula", "ikan"])
async def test_sort_by_price_and_newest(demo_engine: EngineMaker, q: str) -> None:
    created = {d.id: d.created_at for d in contract_documents()}
    async with opened(demo_engine) as engine:
        cheapest = [
            h.price
            for p in await all_hits(engine, cooperative="lok-baintan", q=q, sort="price_asc")
            for h in p.hits
        ]
        dearest = [
            h.price
            for p in await all_hits(engine, cooperative="lok-baintan", q=q, sort="price_desc")
            for h in p.hits
        ]
        newest = [
            created[h.id]
            for p in await all_hits(engine, cooperative="lok-baintan", q=q, sort="newest")
            for h in p.hits
        ]
    assert len(cheapest) > 1
    assert cheapest == sorted(cheapest)
    assert dearest == sorted(dearest, reverse=True)
    assert newest == sorted(newest, reverse=True)


async def test_pages_cover_the_result_once(demo_engine: EngineMaker) -> None:
    cooperative = "telaga-bidadari"
    async with opened(demo_engine) as engine:
        seen: list[int] = []
        total = None
        for page in range(1, 20):
            result = await engine.search(SearchQuery(cooperative=cooperative, page=page, per_page=7))
            assert result.page == page
            assert result.per_page == 7
            total = result.total if total is None else total
            assert result.total == total
            seen.extend(h.id for h in result.hits)
            if len(result.hits) < 7:
                break
        beyond = await engine.search(SearchQuery(cooperative=cooperative, page=page + 3, per_page=7))
    assert len(seen) == len(set(seen))
    assert set(seen) == {d.id for d in docs_of(cooperative)}
    assert beyond.hits == []
    assert beyond.total == total


async def test_highlight_marks_matches_and_escapes_html(demo_engine: EngineMaker) -> None:
    result = await search(demo_engine, cooperative="lok-baintan", q="sirup alert")
    hit = next(h for h in result.hits if h.id == HOSTILE.id)
    assert "<script>" not in hit.highlight_name
    assert "&lt;script&gt;" in hit.highlight_name
    assert re.search(r"<mark>Sirup</mark>", hit.highlight_name)
    assert html.unescape(re.sub(r"</?mark>", "", hit.highlight_name)) == HOSTILE.name
    # Only <mark> survives as markup.
    assert set(re.findall(r"</?(\w+)", hit.highlight_name)) == {"mark"}


async def test_hits_carry_the_product_fields(demo_engine: EngineMaker) -> None:
    by_id = {d.id: d for d in contract_documents()}
    result = await search(demo_engine, cooperative="tabanio", q="acan udang")
    assert result.engine == demo_engine.kind
    assert result.hits
    for hit in result.hits:
        doc = by_id[hit.id]
        assert (hit.name, hit.price, hit.unit, hit.category, hit.producer, hit.in_stock) == (
            doc.name,
            doc.price,
            doc.unit,
            doc.category,
            doc.producer,
            doc.in_stock,
        )


# -- writes ----------------------------------------------------------------------------------


def product(id: int, name: str, cooperative: str = "lok-baintan", price: int = 10_000) -> SearchDocument:
    return SearchDocument(
        id=id,
        cooperative=cooperative,
        name=name,
        aliases=[],
        category="Sembako",
        producer="Uji",
        description="",
        unit="pcs",
        price=price,
        in_stock=True,
        created_at=1_700_000_000 + id,
    )


async def test_upsert_and_delete_are_visible_when_they_return(fresh_engine: EngineMaker) -> None:
    async with opened(fresh_engine) as engine:
        await engine.ensure_settings()
        assert await engine.health()
        await engine.upsert([product(1, "Rambutan manis"), product(2, "Rambutan asam", "tabanio")])
        found = await engine.search(SearchQuery(cooperative="lok-baintan", q="rambutan"))
        assert [h.id for h in found.hits] == [1]

        await engine.upsert([product(1, "Rambutan manis", price=12_000)])
        found = await engine.search(SearchQuery(cooperative="lok-baintan", q="rambutan"))
        assert [(h.id, h.price) for h in found.hits] == [(1, 12_000)]

        await engine.delete([1])
        found = await engine.search(SearchQuery(cooperative="lok-baintan", q="rambutan"))
        assert found.hits == []
        assert found.total == 0


async def test_rebuild_replaces_the_whole_index(fresh_engine: EngineMaker) -> None:
    async with opened(fresh_engine) as engine:
        await engine.ensure_settings()
        await engine.upsert([product(1, "Rambutan manis"), product(2, "Durian montong")])

        async def batches() -> AsyncIterator[list[SearchDocument]]:
            yield [product(2, "Durian montong", price=90_000)]
            yield [product(3, "Salak pondoh")]

        await engine.rebuild(batches())
        everything = await engine.search(SearchQuery(cooperative="lok-baintan", q=""))
    assert sorted((h.id, h.price) for h in everything.hits) == [(2, 90_000), (3, 10_000)]
