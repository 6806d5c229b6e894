"""Engines for the search contract suite: embedded always, Meilisearch when a server or binary exists."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from search.documents import SearchDocument
from search.embedded import EmbeddedEngine
from search.engine import SearchEngine, SearchQuery, SearchResult
from search.meili import MeiliEngine
from tests.contract.demo_data import demo_documents, demo_synonyms

ENGINES = ["embedded", "meilisearch"]
MEILI_MASTER_KEY = "contract-suite-master-key"
# One product whose name needs escaping, so the highlight test has something to bite on.
HOSTILE = SearchDocument(
    id=90_001,
    cooperative="lok-baintan",
    name='Sirup <script>alert("x")</script> & gula',
    aliases=[],
    category="Minuman",
    producer="KDMP Lok Baintan",
    description="Sirup untuk uji penyorotan.",
    unit="botol",
    price=12_500,
    in_stock=True,
    created_at=1_760_000_000,
)


def contract_documents() -> list[SearchDocument]:
    return [*demo_documents(), HOSTILE]


@dataclass
class MeiliServer:
    url: str
    api_key: str | None
    process: subprocess.Popen[bytes] | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, deadline_s: float = 30.0) -> None:
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Meilisearch at {url} did not become healthy")


@pytest.fixture(scope="session")
def meili_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeiliServer]:
    url = os.environ.get("MEILI_URL")
    if url:
        yield MeiliServer(
            url.rstrip("/"), os.environ.get("MEILI_API_KEY") or os.environ.get("MEILI_MASTER_KEY")
        )
        return
    binary = shutil.which("meilisearch")
    if binary is None:
        pytest.skip(
            "Meilisearch contract run skipped: MEILI_URL is unset and no `meilisearch` binary on PATH"
        )
    data = tmp_path_factory.mktemp("meili")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            binary,
            "--http-addr",
            f"127.0.0.1:{port}",
            "--master-key",
            MEILI_MASTER_KEY,
            "--db-path",
            str(data / "data.ms"),
            "--dump-dir",
            str(data / "dumps"),
            "--snapshot-dir",
            str(data / "snapshots"),
            "--no-analytics",
            "--env",
            "development",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(data / "meili.log").open("wb"),
    )
    try:
        _wait_healthy(url)
        yield MeiliServer(url, MEILI_MASTER_KEY, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


Search = Callable[[SearchQuery], Awaitable[SearchResult]]


@dataclass
class EngineMaker:
    """Makes engines on one prepared index. Engines are made per test so that nothing bound to one
    event loop (an HTTP connection pool) outlives it, whatever loop scope pytest-asyncio uses."""

    kind: str
    make: Callable[[], SearchEngine]


def _make_embedded(index_dir: Path) -> SearchEngine:
    return EmbeddedEngine(index_dir, demo_synonyms(), writer=True, source_id="contract")


def engine_maker(kind: str, request: pytest.FixtureRequest, workdir: Path) -> EngineMaker:
    if kind == "embedded":
        index_dir = workdir / f"embedded-{uuid.uuid4().hex[:8]}"
        # One writer per directory: each made engine is closed by its user before the next opens.
        return EngineMaker(kind, lambda: _make_embedded(index_dir))
    server: MeiliServer = request.getfixturevalue("meili_server")
    uid = f"contract_{uuid.uuid4().hex[:12]}"
    return EngineMaker(
        kind, lambda: MeiliEngine(server.url, server.api_key, uid, demo_synonyms(), timeout=10)
    )


async def _build(engine: SearchEngine, docs: list[SearchDocument]) -> None:
    try:
        await engine.ensure_settings()
        await engine.rebuild([docs[i : i + 50] for i in range(0, len(docs), 50)])
    finally:
        await engine.close()


@pytest.fixture(scope="module", params=ENGINES)
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EngineMaker]:
    """The demo catalog (all three cooperatives) indexed once per module and engine."""
    maker = engine_maker(request.param, request, tmp_path_factory.mktemp("contract"))
    asyncio.run(_build(maker.make(), contract_documents()))
    yield maker
    if maker.kind == "meilisearch":
        asyncio.run(_drop(maker.make()))


async def _drop(engine: SearchEngine) -> None:
    assert isinstance(engine, MeiliEngine)
    try:
        await engine.client.delete_index_if_exists(engine.index_uid)
    finally:
        await engine.close()


@pytest.fixture(params=ENGINES)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineMaker]:
    """An empty index of its own, for tests that write."""
    maker = engine_maker(request.param, request, tmp_path)
    yield maker
    if maker.kind == "meilisearch":
        asyncio.run(_drop(maker.make()))
