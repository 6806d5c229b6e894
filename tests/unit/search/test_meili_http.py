"""The Meilisearch engine at the HTTP boundary: what it sends, and how it takes failures."""

from __future__ import annotations

import functools
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from meilisearch_python_sdk._client import _async_client

from search.documents import SearchDocument
from search.engine import EngineError, EngineUnavailable, SearchQuery
from search.meili import HIGHLIGHT_POST, HIGHLIGHT_PRE, MeiliEngine

pytestmark = pytest.mark.asyncio

NOW = "2025-06-01T00:00:00Z"
URL = "http://meili.test"


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    body: Any


@dataclass
class FakeMeili:
    """Just enough of Meilisearch's HTTP API; every request is recorded."""

    requests: list[Recorded] = field(default_factory=list)
    task_status: str = "succeeded"
    next_task: int = 0
    task_index: dict[int, str] = field(default_factory=dict)
    search_response: dict[str, Any] = field(default_factory=dict)
    # A hook that may answer instead of the fake (to fail a request); None lets the fake answer.
    intercept: Callable[[httpx2.Request], httpx2.Response | None] | None = None

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body: Any = json.loads(request.content) if request.content else None
        self.requests.append(Recorded(request.method, request.url.path, request.url.query.decode(), body))
        if self.intercept is not None:
            answer = self.intercept(request)
            if answer is not None:
                return answer
        method, path = request.method, request.url.path
        parts = path.strip("/").split("/")
        if path == "/health":
            return httpx2.Response(200, json={"status": "available"})
        if method == "GET" and parts[0] == "tasks":
            uid = int(parts[1])
            return httpx2.Response(
                200,
                json={
                    "uid": uid,
                    "indexUid": self.task_index.get(uid),
                    "status": self.task_status,
                    "type": "documentAdditionOrUpdate",
                    "enqueuedAt": NOW,
                    "details": {},
                    "error": None if self.task_status == "succeeded" else {"code": "invalid_document_id"},
                },
            )
        if method == "POST" and path == "/indexes":
            return self._task(body["uid"])
        if method == "GET" and parts[0] == "indexes" and len(parts) == 2:
            return httpx2.Response(
                200, json={"uid": parts[1], "primaryKey": "id", "createdAt": NOW, "updatedAt": NOW}
            )
        if method == "POST" and parts[-1] == "search":
            return httpx2.Response(200, json=self.search_response)
        if method in ("POST", "PATCH", "DELETE", "PUT"):
            return self._task(parts[1] if len(parts) > 1 else None)
        return httpx2.Response(
            404, json={"message": "not found", "code": "not_found", "type": "invalid_request"}
        )

    def _task(self, index_uid: str | None) -> httpx2.Response:
        self.next_task += 1
        self.task_index[self.next_task] = index_uid or ""
        return httpx2.Response(
            202,
            json={
                "taskUid": self.next_task,
                "indexUid": index_uid,
                "status": "enqueued",
                "type": "documentAdditionOrUpdate",
                "enqueuedAt": NOW,
            },
        )

    def sent(self, method: str, suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeMeili:
    """Route the SDK's httpx2 client to the fake: the SDK builds its client itself and takes no
    transport, so the patch sits where it constructs that client."""
    server = FakeMeili()
    monkeypatch.setattr(
        _async_client,
        "HttpxAsyncClient",
        functools.partial(httpx2.AsyncClient, transport=httpx2.MockTransport(server)),
    )
    return server


def doc(id: int, **overrides: Any) -> SearchDocument:
    base: dict[str, Any] = {
        "id": id,
        "cooperative": "lok-baintan",
        "name": f"Produk {id}",
        "aliases": ["alias"],
        "category": "Sembako",
        "producer": "KDMP Lok Baintan",
        "description": "Deskripsi",
        "unit": "kg",
        "price": 10_000 + id,
        "in_stock": True,
        "created_at": 1_700_000_000 + id,
        "popularity": 0,
    }
    base.update(overrides)
    return SearchDocument(**base)


SYNONYMS = {"migor": ["minyak goreng"], "gula habang": ["gula merah"]}


def engine() -> MeiliEngine:
    return MeiliEngine(URL, "secret", "products", SYNONYMS, timeout=2.5)


async def test_settings_sent_at_start_up(fake: FakeMeili) -> None:
    meili = engine()
    await meili.ensure_settings()
    await meili.close()

    created = fake.sent("POST", "/indexes")
    assert [r.body for r in created] == [{"uid": "products", "primaryKey": "id"}]
    (settings,) = fake.sent("PATCH", "/indexes/products/settings")
    assert settings.body == {
        "searchableAttributes": ["name", "aliases", "category", "producer", "description"],
        "filterableAttributes": ["cooperative", "category", "producer", "in_stock", "price"],
        "sortableAttributes": ["price", "created_at", "popularity"],
        "rankingRules": ["words", "sort", "typo", "proximity", "attribute", "exactness"],
        "synonyms": SYNONYMS,
        "typoTolerance": {"enabled": True},
    }
    # Each task is waited for.
    assert {r.path for r in fake.sent("GET", "")} >= {"/tasks/1", "/tasks/2"}


async def test_api_key_and_timeout_reach_the_http_client(fake: FakeMeili) -> None:
    meili = engine()
    await meili.health()
    await meili.close()
    assert meili.client.http_client.timeout.read == 2.5
    assert meili.client.http_client.timeout.connect == 2.0
    assert meili.client.http_client.headers["Authorization"] == "Bearer secret"


async def test_upsert_sends_documents_in_batches_and_waits_for_each(fake: FakeMeili) -> None:
    meili = engine()
    await meili.upsert([doc(i) for i in range(1, 2_501)])
    await meili.close()

    batches = fake.sent("POST", "/indexes/products/documents")
    assert [len(b.body) for b in batches] == [1_000, 1_000, 500]
    assert all(b.query == "primaryKey=id" for b in batches)
    assert batches[0].body[0] == {
        "id": 1,
        "cooperative": "lok-baintan",
        "name": "Produk 1",
        "aliases": ["alias"],
        "category": "Sembako",
        "producer": "KDMP Lok Baintan",
        "description": "Deskripsi",
        "unit": "kg",
        "price": 10_001,
        "in_stock": True,
        "created_at": 1_700_000_001,
        "popularity": 0,
    }
    # A batch is sent only after the previous one's task succeeded.
    order = [(r.method, r.path) for r in fake.requests]
    assert order == [
        ("POST", "/indexes/products/documents"),
        ("GET", "/tasks/1"),
        ("POST", "/indexes/products/documents"),
        ("GET", "/tasks/2"),
        ("POST", "/indexes/products/documents"),
        ("GET", "/tasks/3"),
    ]


async def test_delete_sends_ids_and_waits(fake: FakeMeili) -> None:
    meili = engine()
    await meili.delete([3, 5])
    await meili.close()
    (sent,) = fake.sent("POST", "/indexes/products/documents/delete-batch")
    assert sent.body == ["3", "5"]
    assert fake.sent("GET", "/tasks/1")


async def test_a_failed_task_is_an_error_not_a_success(fake: FakeMeili) -> None:
    fake.task_status = "failed"
    meili = engine()
    with pytest.raises(EngineError, match="failed"):
        await meili.upsert([doc(1)])
    await meili.close()


async def test_search_request_body(fake: FakeMeili) -> None:
    fake.search_response = {
        "hits": [
            {
                "id": 7,
                "name": "Gula <habang> & co",
                "price": 28_000,
                "unit": "kg",
                "category": "Sembako",
                "producer": "Gula Habang Hanau",
                "in_stock": True,
                "cooperative": "telaga-bidadari",
                "_formatted": {"name": f"{HIGHLIGHT_PRE}Gula{HIGHLIGHT_POST} <habang> & co"},
            },
            {
                # A hit from another cooperative can only be a bug; it must never reach the page.
                "id": 8,
                "name": "Lain",
                "price": 1,
                "unit": "kg",
                "category": "Sembako",
                "producer": "X",
                "in_stock": True,
                "cooperative": "tabanio",
                "_formatted": {"name": "Lain"},
            },
        ],
        "query": "gula",
        "processingTimeMs": 1,
        "page": 2,
        "hitsPerPage": 10,
        "totalHits": 11,
        "totalPages": 2,
        "facetDistribution": {
            "category": {"Sembako": 11},
            "producer": {"Gula Habang Hanau": 11},
            "price": {"28000": 11},
        },
        "facetStats": {"price": {"min": 4000, "max": 28000}},
    }
    meili = engine()
    result = await meili.search(
        SearchQuery(
            cooperative="telaga-bidadari",
            q="gula",
            categories=['Sembako" OR cooperative != "x'],
            producers=["Gula Habang Hanau"],
            min_price=1_000,
            max_price=30_000,
            in_stock=True,
            sort="price_asc",
            page=2,
            per_page=10,
        )
    )
    await meili.close()

    (sent,) = fake.sent("POST", "/indexes/products/search")
    body = sent.body
    assert body["q"] == "gula"
    assert body["filter"] == (
        'cooperative = "telaga-bidadari" AND category IN ["Sembako\\" OR cooperative != \\"x"]'
        ' AND producer IN ["Gula Habang Hanau"] AND price >= 1000 AND price <= 30000 AND in_stock = true'
    )
    assert body["facets"] == ["category", "producer", "price"]
    assert body["sort"] == ["price:asc"]
    assert (body["page"], body["hitsPerPage"]) == (2, 10)
    assert body["matchingStrategy"] == "last"
    assert body["attributesToHighlight"] == ["name"]
    assert (body["highlightPreTag"], body["highlightPostTag"]) == (HIGHLIGHT_PRE, HIGHLIGHT_POST)
    assert body["attributesToRetrieve"] == [
        "id",
        "name",
        "price",
        "unit",
        "category",
        "producer",
        "in_stock",
        "cooperative",
    ]

    assert [h.id for h in result.hits] == [7]
    assert result.hits[0].highlight_name == "<mark>Gula</mark> &lt;habang&gt; &amp; co"
    assert result.total == 11
    assert (result.page, result.per_page) == (2, 10)
    assert result.facets == {"category": {"Sembako": 11}, "producer": {"Gula Habang Hanau": 11}}
    assert result.price_stats == {"min": 4000, "max": 28000}
    assert result.engine == "meilisearch"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("relevance", None), ("price_desc", ["price:desc"]), ("newest", ["created_at:desc"])],
)
async def test_sort_mapping(fake: FakeMeili, sort: str, expected: list[str] | None) -> None:
    fake.search_response = {
        "hits": [],
        "query": "",
        "processingTimeMs": 0,
        "totalHits": 0,
        "page": 1,
        "hitsPerPage": 24,
        "totalPages": 0,
    }
    meili = engine()
    result = await meili.search(SearchQuery(cooperative="tabanio", sort=sort))  # type: ignore[arg-type]
    await meili.close()
    assert fake.sent("POST", "/search")[0].body["sort"] == expected
    assert result.price_stats is None
    assert result.facets == {"category": {}, "producer": {}}


SERVER_ERRORS: dict[str, Callable[[httpx2.Request], httpx2.Response]] = {
    "503 json": lambda r: httpx2.Response(503, json={"message": "down", "code": "x", "type": "internal"}),
    "502 html": lambda r: httpx2.Response(502, text="<html>bad gateway</html>"),
    "500 json": lambda r: httpx2.Response(
        500, json={"message": "boom", "code": "internal", "type": "internal"}
    ),
}


def raise_(exc: Exception) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    return handler


TRANSPORT_ERRORS: dict[str, Callable[[httpx2.Request], httpx2.Response]] = {
    "read timeout": raise_(httpx2.ReadTimeout("timed out")),
    "connect timeout": raise_(httpx2.ConnectTimeout("timed out")),
    "connection refused": raise_(httpx2.ConnectError("[Errno 111] Connection refused")),
    "dropped": raise_(httpx2.RemoteProtocolError("server disconnected")),
}


@pytest.mark.parametrize("case", [*SERVER_ERRORS, *TRANSPORT_ERRORS])
@pytest.mark.parametrize("operation", ["search", "upsert", "delete", "ensure_settings"])
async def test_outages_raise_engine_unavailable(fake: FakeMeili, case: str, operation: str) -> None:
    handler = {**SERVER_ERRORS, **TRANSPORT_ERRORS}[case]
    fake.intercept = handler
    meili = engine()
    calls = {
        "search": lambda: meili.search(SearchQuery(cooperative="tabanio", q="gula")),
        "upsert": lambda: meili.upsert([doc(1)]),
        "delete": lambda: meili.delete([1]),
        "ensure_settings": meili.ensure_settings,
    }
    with pytest.raises(EngineUnavailable):
        await calls[operation]()
    assert await meili.health() is False
    await meili.close()


async def test_an_outage_while_waiting_for_the_task_is_unavailable(fake: FakeMeili) -> None:
    fake.intercept = lambda r: httpx2.Response(503, text="busy") if r.url.path.startswith("/tasks") else None
    meili = engine()
    with pytest.raises(EngineUnavailable):
        await meili.upsert([doc(1)])
    await meili.close()


async def test_a_bad_request_is_an_error_not_an_outage(fake: FakeMeili) -> None:
    fake.intercept = lambda r: httpx2.Response(
        400,
        json={
            "message": "Attribute `x` is not filterable",
            "code": "invalid_search_filter",
            "type": "invalid_request",
        },
    )
    meili = engine()
    with pytest.raises(EngineError, match="invalid_search_filter"):
        await meili.search(SearchQuery(cooperative="tabanio"))
    await meili.close()


async def test_rebuild_builds_a_new_index_then_swaps_and_drops_the_old(fake: FakeMeili) -> None:
    meili = engine()
    await meili.rebuild([[doc(1), doc(2)], [doc(3)]])
    await meili.close()

    staging = fake.sent("POST", "/indexes")[0].body["uid"]
    assert staging.startswith("products_")
    assert fake.sent("PATCH", f"/indexes/{staging}/settings")
    assert [len(r.body) for r in fake.sent("POST", f"/indexes/{staging}/documents")] == [2, 1]
    (swap,) = fake.sent("POST", "/swap-indexes")
    assert swap.body == [{"indexes": ["products", staging]}]
    steps = [(r.method, r.path) for r in fake.requests if not r.path.startswith("/tasks")]
    assert steps.index(("POST", "/swap-indexes")) > max(
        i for i, s in enumerate(steps) if s == ("POST", f"/indexes/{staging}/documents")
    )
    assert steps[-1] == ("DELETE", f"/indexes/{staging}")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_real_refused_connection_is_unavailable() -> None:
    # No fake here: a port on loopback with nothing listening.
    meili = MeiliEngine(f"http://127.0.0.1:{closed_port()}", None, synonyms={}, timeout=1.0)
    with pytest.raises(EngineUnavailable):
        await meili.search(SearchQuery(cooperative="tabanio", q="gula"))
    assert await meili.health() is False
    await meili.close()
