"""Limits where account abuse starts: sign-up, password links and invitations per real client address."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Stack, server_env
from tests.support import data
from tests.support.installation import UVICORN_TRUSTS_NOBODY
from tests.support.server import LiveServer, start_server

LIMIT = 3


@pytest.fixture
def limited(stack: Stack, tmp_path: Path) -> Iterator[LiveServer]:
    """The same site served behind a trusted proxy, with a small per-address limit."""
    env = server_env(stack.settings) | {
        "ACCOUNT_RATE_LIMIT": str(LIMIT),
        "TRUSTED_PROXIES": "127.0.0.1",
        "FORWARDED_ALLOW_IPS": UVICORN_TRUSTS_NOBODY,
        "SEARCH_RELAY": "0",
    }
    server = start_server(env, log_dir=tmp_path)
    # Ten-minute fixed windows: do not start a count seconds before one ends.
    if (into := time.time() % 600) > 590:
        time.sleep(600 - into + 0.5)
    yield server
    server.stop()


def _address() -> str:
    return f"198.51.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


async def test_sign_up_link_and_invitation_posts_are_limited_per_client(limited: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=limited.url, timeout=60) as client:
        token = await data.csrf_token(client, "/daftar")
        person = {"X-Forwarded-For": _address()}

        async def sign_up() -> httpx.Response:
            body = {"name": "Warga", "phone": data.new_phone(), "password": "sandi-warga-uji", "_csrf_token": token}
            return await client.post("/daftar", data=body, headers=person)

        assert [(await sign_up()).status_code for _ in range(LIMIT)] == [303] * LIMIT
        page = await sign_up()
        assert page.status_code == 429 and 0 < int(page.headers["retry-after"]) <= 600
        assert "Terlalu banyak percobaan dari sini" in page.text and "menit" in page.text
        # Someone else behind the same proxy still signs up.
        other = {"name": "Warga", "phone": data.new_phone(), "password": "sandi-warga-uji", "_csrf_token": token}
        assert (await client.post("/daftar", data=other, headers={"X-Forwarded-For": _address()})).status_code == 303

        guesser = {"X-Forwarded-For": _address()}
        links = [
            (
                await client.post(
                    f"/atur-sandi/tebakan{n}", data={"password": "x" * 10, "_csrf_token": token}, headers=guesser
                )
            ).status_code
            for n in range(LIMIT + 1)
        ]
        assert links == [410] * LIMIT + [429]

        api = {"X-Forwarded-For": _address()}
        body = {"token": "tebakan", "password": "sandi-baru-123", "name": "X"}
        answers = [await client.post("/api/invitations/accept", json=body, headers=api) for _ in range(LIMIT + 1)]
        assert all(a.status_code != 429 for a in answers[:LIMIT])
        refused = answers[-1]
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        problem = refused.json()
        assert problem["code"] == "rate_limited" and problem["status"] == 429
        assert problem["retry_after"] == int(refused.headers["retry-after"])
        assert problem["detail"].startswith("Terlalu banyak percobaan")
