"""Two app processes, each with its own VAR_DIR, on one PostgreSQL and one S3-protocol server, behave as
one site: sessions, CSRF tokens, carts, photos, search and stock hold across them and across restarts.

PostgreSQL only: machines cannot share a SQLite file. Search: the embedded engine keeps its index in each
machine's VAR_DIR and a change reaches only the index of the relay that delivered it, so a site of several
machines shares Meilisearch (README, Production). No Meilisearch server is available here: the nodes point
at one that does not answer and every search is the database fallback, which both nodes share.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from app.db import DatabaseConfig
from orders.models import OrderLine
from tests.conftest import DEMO_PASSWORD, _prepare, make_settings, server_env
from tests.support import data
from tests.support.postgres import PgCluster, free_port
from tests.support.s3 import S3Server, start_s3
from tests.support.server import LiveServer, start_server

SLUG = "lok-baintan"
STAFF = "081200000101"
PRODUCER = "081200001001"


@dataclass
class Site:
    nodes: list[LiveServer]
    env: dict[str, str]
    var_dirs: list[Path]
    s3: S3Server
    db: DatabaseConfig
    log_dir: Path

    @property
    def a(self) -> str:
        return self.nodes[0].url

    @property
    def b(self) -> str:
        return self.nodes[1].url

    def restart(self, index: int) -> None:
        """Stop one node and start it again on the same port, as a deploy or a crash would."""
        old = self.nodes[index]
        old.stop()
        port = int(old.url.rsplit(":", 1)[1])
        env = {**self.env, "VAR_DIR": str(self.var_dirs[index])}
        self.nodes[index] = start_server(env, log_dir=self.log_dir, port=port)


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if request.param == "sqlite":
        pytest.skip("two machines cannot share one SQLite file: several nodes need PostgreSQL")
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    tmp = tmp_path_factory.mktemp("two-nodes")
    settings = make_settings(tmp / "a", cluster.create_database("pasardesa_nodes"))
    var_dirs = [tmp / "a", tmp / "b"]
    nodes: list[LiveServer] = []
    # Independent start-ups run side by side: the test's time is mostly processes starting.
    with ThreadPoolExecutor(max_workers=2) as pool:
        starting_s3 = pool.submit(start_s3, tmp)
        _prepare(settings)
        s3 = starting_s3.result()
        env = {
            **server_env(settings),
            **s3.env(),
            # A shared search engine that does not answer: both nodes search the shared database.
            "MEILI_URL": f"http://127.0.0.1:{free_port()}",
        }
        try:
            nodes.extend(
                pool.map(lambda var_dir: start_server({**env, "VAR_DIR": str(var_dir)}, log_dir=tmp), var_dirs)
            )
            yield Site(nodes=nodes, env=env, var_dirs=var_dirs, s3=s3, db=DatabaseConfig(settings), log_dir=tmp)
        finally:
            for node in nodes:
                node.stop()
            s3.stop()
    for node in nodes:
        assert "Traceback" not in node.log(), node.log()[-3000:]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (180, 120, 40)).save(out, "JPEG")
    return out.getvalue()


async def _token(client: httpx.AsyncClient, url: str) -> str:
    await client.get(url)
    token = client.cookies.get("csrftoken")
    assert token
    return token


async def _order_user(site: Site, client: httpx.AsyncClient, location: str) -> int | None:
    page = await client.get(location)
    assert page.status_code == 200, page.text[:500]
    number = re.search(r'class="order-number">([A-Z0-9-]+)<', page.text)
    assert number
    return (await data.order_row(site.db, number.group(1))).user_id


async def _checkout_form(client: httpx.AsyncClient, page_url: str) -> dict[str, str]:
    page = await client.get(page_url)
    assert page.status_code == 200, page.text[:500]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key
    return {
        "name": "Ibu Rahmah",
        "phone": "0812 3456 7890",
        "fulfilment": "pickup",
        "payment_method": "cash",
        "idempotency_key": key.group(1),
    }


async def test_signed_in_on_one_node_checks_out_on_the_other(site: Site) -> None:
    product = await data.make_product(site.db, stock=5, name="Kue cincin dua mesin")
    # One browser, two machines behind a balancer: cookies are per host, not per port.
    async with httpx.AsyncClient(base_url=site.a, timeout=60) as browser:
        await data.signup(browser)
        token = await _token(browser, f"{site.a}/k/{SLUG}")  # the form was rendered by A …
        added = await browser.post(  # … and submitted to B
            f"{site.b}/k/{SLUG}/keranjang",
            data={"product_id": str(product.id), "quantity": "2", "_csrf_token": token},
        )
        assert added.status_code == 303, added.text[:500]
        form = await _checkout_form(browser, f"{site.a}/k/{SLUG}/checkout")
        done = await browser.post(f"{site.b}/k/{SLUG}/checkout", data={**form, "_csrf_token": token})
        assert done.status_code == 303, done.text[:500]
        assert await _order_user(site, browser, site.a + done.headers["location"]) is not None
    assert await data.stock_of(site.db, product.id) == 3


async def test_a_photo_uploaded_through_one_node_is_served_by_the_other(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.a, timeout=60) as producer:
        assert (await data.login(producer, PRODUCER, DEMO_PASSWORD)).status_code == 303
        token = await _token(producer, "/produsen/produk/baru")
        form = {"name": "Amplang dua mesin", "category": "makanan-olahan", "unit": "bungkus", "producer_price": "8.000"}
        created = await producer.post("/produsen/produk", data={**form, "_csrf_token": token, "aksi": "simpan"})
        assert created.status_code == 303, created.text[:500]
        listing = created.headers["location"]
        uploaded = await producer.post(
            f"{listing}/foto", data={"_csrf_token": token}, files={"photo": ("amplang.jpg", _jpeg(), "image/jpeg")}
        )
        assert uploaded.status_code == 303, uploaded.text[:500]
        page = await producer.get(f"{site.b}{listing}")
        found = re.search(r"/media/produk/([A-Za-z0-9_\-]+)-sm\.webp", page.text)
        assert found
        key = found.group(1)
        served = await producer.get(f"{site.b}/media/produk/{key}-md.webp")
        assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
        assert served.headers["cache-control"] == "private, no-store"  # not published yet
        assert Image.open(io.BytesIO(served.content)).size == (640, 427)
        assert {f"media/produk/{key}-md.webp", f"media/produk/{key}-sm.webp"} <= set(site.s3.object_names())
        assert not any((var_dir / "media" / "produk").exists() for var_dir in site.var_dirs)
        # Each node's readiness probe says it reaches the shared store.
        for node in (site.a, site.b):
            assert (await producer.get(f"{node}/readyz")).json()["media"] == "ok"
        # Deleted through B, gone for A.
        deleted = await producer.post(f"{site.b}{listing}/foto/{key}/hapus", data={"_csrf_token": token})
        assert deleted.status_code == 303
        assert (await producer.get(f"/media/produk/{key}-md.webp")).status_code == 404
    assert not any(key in name for name in site.s3.object_names())


async def test_a_product_changed_through_one_node_is_found_through_the_other(site: Site) -> None:
    product = await data.make_product(site.db, stock=4, price=21_000, name="Gula habang dua mesin")
    async with httpx.AsyncClient(base_url=site.a, timeout=60) as staff:
        assert (await data.login(staff, STAFF, DEMO_PASSWORD)).status_code == 303
        token = await _token(staff, f"/staf/{SLUG}/produk/{product.id}")
        form = {"_csrf_token": token, "retail_price": "19500"}
        saved = await staff.post(f"/staf/{SLUG}/produk/{product.id}", data=form)
        assert saved.status_code == 303, saved.text[:500]
    async with httpx.AsyncClient(base_url=site.b, timeout=60) as shopper:
        body = (await shopper.get(f"/api/cooperatives/{SLUG}/search", params={"q": "gula habang dua mesin"})).json()
    hits = [hit for hit in body["hits"] if hit["id"] == product.id]
    assert body["engine"] == "database"
    assert [hit["price"] for hit in hits] == [19_500]


async def test_two_hundred_buyers_on_both_nodes_get_exactly_twenty_units(site: Site) -> None:
    product = await data.make_product(site.db, stock=20, name="Beras dua mesin")
    limits = httpx.Limits(max_connections=100)
    async with (
        httpx.AsyncClient(base_url=site.a, timeout=120, limits=limits) as a,
        httpx.AsyncClient(base_url=site.b, timeout=120, limits=limits) as b,
    ):
        responses = await asyncio.gather(
            *[
                (a if i % 2 else b).post(
                    f"/api/cooperatives/{SLUG}/orders",
                    json=data.order_body(product.id, 1, customer={"name": "Pembeli", "phone": f"0813{i:08d}"}),
                )
                for i in range(200)
            ]
        )
    codes = [r.status_code for r in responses]
    assert (codes.count(201), codes.count(409)) == (20, 180), sorted(set(codes))
    async with site.db.session() as session:
        sold = await session.scalar(select(func.count()).where(OrderLine.product_id == product.id))
    assert sold == 20
    assert await data.stock_of(site.db, product.id) == 0
    assert await data.ledger_sum(site.db, product.id) == 0


async def test_restarting_either_node_loses_no_session_or_form(site: Site) -> None:
    product = await data.make_product(site.db, stock=5, name="Ikan asin dua mesin")
    async with httpx.AsyncClient(base_url=site.a, timeout=60) as browser:
        await data.signup(browser)
        token = await _token(browser, f"/k/{SLUG}")
        added = await browser.post(
            f"/k/{SLUG}/keranjang", data={"product_id": str(product.id), "quantity": "1", "_csrf_token": token}
        )
        assert added.status_code == 303, added.text[:500]
        form = await _checkout_form(browser, f"/k/{SLUG}/checkout")
        # Both restart (a deploy); each also stands for a crash of one while the other serves.
        await asyncio.gather(asyncio.to_thread(site.restart, 0), asyncio.to_thread(site.restart, 1))
        # The checkout form rendered by A before the restarts is accepted by the new B, in the same session.
        done = await browser.post(f"{site.b}/k/{SLUG}/checkout", data={**form, "_csrf_token": token})
        assert done.status_code == 303, done.text[:500]
        assert await _order_user(site, browser, site.b + done.headers["location"]) is not None
        # And the new A still takes the old token and knows the person.
        again = await browser.post(
            f"/k/{SLUG}/keranjang", data={"product_id": str(product.id), "quantity": "1", "_csrf_token": token}
        )
        assert again.status_code == 303, again.text[:500]
        profile = await browser.get("/akun/profil")
        assert profile.status_code == 200  # still signed in, not sent to /masuk
    assert await data.stock_of(site.db, product.id) == 4
