"""A cooperative with one person in each role, and signed-in clients for the few roles a savings test needs
(signing everyone in, as the access matrix does, costs a password check each)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Stack
from tests.support import data
from tests.support.roles import PASSWORD, Cast, make_cast

SIGNED_IN = ("member", "bendahara", "pengurus", "pengawas")


@pytest.fixture
async def money_cast(stack: Stack) -> Cast:
    return await make_cast(stack.db)


@pytest.fixture
async def clients(stack: Stack, money_cast: Cast) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    made: dict[str, httpx.AsyncClient] = {}
    try:
        for role in SIGNED_IN:
            made[role] = stack.client()
            await data.csrf_token(made[role])
            body = {"phone": money_cast.phones[role], "password": PASSWORD}
            login = await made[role].post("/api/auth/login", json=body)
            assert login.status_code == 200, login.text
            await data.csrf_token(made[role])
        yield made
    finally:
        for client in made.values():
            await client.aclose()


async def sign_in(stack: Stack, cast: Cast, role: str) -> httpx.AsyncClient:
    """One more client for `role` (a second tab of the same person, for simultaneous requests)."""
    client = stack.client()
    login = await client.post("/api/auth/login", json={"phone": cast.phones[role], "password": PASSWORD})
    assert login.status_code == 200, login.text
    return client
