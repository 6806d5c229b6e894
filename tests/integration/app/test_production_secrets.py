"""One signing key for every worker and restart: forms keep working, a stale cookie is replaced, never a 403."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from tests.conftest import DEMO_PASSWORD
from tests.support.installation import RESIDENT_PHONE, env_for, installation
from tests.support.server import ROOT, start_server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp(f"secrets-{request.param}")
    return installation(request, tmp, request.param, "pasardesa_secrets")


def _page_token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def _login(client: httpx.AsyncClient, url: str, token: str) -> httpx.Response:
    form = {"phone": RESIDENT_PHONE, "password": DEMO_PASSWORD, "_csrf_token": token}
    return await client.post(url + "/masuk", data=form)


def _browser() -> httpx.AsyncClient:
    # One cookie jar across restarts, like a browser: cookies are per host, not per port.
    return httpx.AsyncClient(timeout=60)


async def test_a_cookie_signed_with_an_unknown_key_gets_a_fresh_token(site: Settings, tmp_path: Path) -> None:
    async with _browser() as browser:
        first = start_server(env_for(site, SECRET_KEY=secrets.token_hex(32)), log_dir=tmp_path)
        try:
            await browser.get(first.url + "/masuk")
            stale = browser.cookies.get("csrftoken")
            assert stale
        finally:
            first.stop()
        second = start_server(env_for(site, SECRET_KEY=secrets.token_hex(32)), log_dir=tmp_path)
        try:
            page = await browser.get(second.url + "/masuk")  # the person reloads the page, as the message asks
            assert browser.cookies.get("csrftoken") != stale
            response = await _login(browser, second.url, _page_token(page.text))
            assert response.status_code == 303, response.text[:500]
        finally:
            second.stop()


async def test_a_previous_key_still_verifies_open_forms(site: Settings, tmp_path: Path) -> None:
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    async with _browser() as browser:
        before = start_server(env_for(site, SECRET_KEY=old), log_dir=tmp_path)
        try:
            token = _page_token((await browser.get(before.url + "/masuk")).text)
        finally:
            before.stop()
        after = start_server(env_for(site, SECRET_KEY=new, SECRET_KEY_PREVIOUS=old), log_dir=tmp_path)
        try:
            response = await _login(browser, after.url, token)  # the form was open during the rotation
            assert response.status_code == 303, response.text[:500]
        finally:
            after.stop()


async def test_several_workers_share_one_key(site: Settings, tmp_path: Path) -> None:
    # On SQLite no SECRET_KEY is set: the workers must agree on the kept one; PostgreSQL requires it.
    env = env_for(site) if site.is_sqlite else env_for(site, SECRET_KEY=secrets.token_hex(32))
    server = start_server(env, workers=2, log_dir=tmp_path)

    async def fresh_login() -> int:
        async with _browser() as browser:
            page = await browser.get(server.url + "/masuk", headers={"Connection": "close"})
            return (await _login(browser, server.url, _page_token(page.text))).status_code

    try:
        codes = await asyncio.gather(*[fresh_login() for _ in range(12)])
    finally:
        server.stop()
    assert codes == [303] * 12


async def test_the_embedded_default_keeps_its_key_across_restarts(site: Settings, tmp_path: Path) -> None:
    if not site.is_sqlite:
        pytest.skip("PostgreSQL never runs without SECRET_KEY (the next test checks the refusal)")
    async with _browser() as browser:
        first = start_server(env_for(site), log_dir=tmp_path)
        try:
            token = _page_token((await browser.get(first.url + "/masuk")).text)
        finally:
            first.stop()
        kept = site.var_dir / "secret_key"
        assert kept.stat().st_mode & 0o777 == 0o600
        second = start_server(env_for(site), log_dir=tmp_path)
        try:
            response = await _login(browser, second.url, token)  # no reload: the form from before the restart
            assert response.status_code == 303, response.text[:500]
        finally:
            second.stop()


def test_production_refuses_to_start_without_a_key(site: Settings) -> None:
    env = {**os.environ, **env_for(site), "DEMO_MODE": "0" if site.is_sqlite else ""}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SECRET_KEY" in result.stderr and "openssl rand -hex 32" in result.stderr
