"""The client address behind proxies, the signing key's rules, the CSP against the templates, log hygiene."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest
from jinja2 import Environment

from app import security
from app.logs import JsonFormatter, StripQueryString
from app.secret_key import MissingSecretKey, kept_secret, resolve_secret_keys
from app.settings import Settings
from app.web import TEMPLATE_DIR

PROXIES = security.parse_networks(["10.0.0.0/8", "127.0.0.1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        # Anyone can write the header: from an untrusted peer it changes nothing.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        # The left part is the sender's own claim; the rightmost address our proxy did not add wins.
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "198.51.100.1, 10.9.9.9", "198.51.100.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-ip", "not-an-ip"),
    ],
)
def test_client_address(peer: str, forwarded: str | None, expected: str) -> None:
    assert security.client_address(peer, forwarded, PROXIES) == expected


def test_production_needs_a_key_and_says_how_to_make_one(tmp_path: Path) -> None:
    for settings in (
        Settings(var_dir=tmp_path, demo_mode=False),
        Settings(var_dir=tmp_path, database_url="postgresql+asyncpg://u@h/db", demo_mode=True),
    ):
        with pytest.raises(MissingSecretKey, match="openssl rand -hex 32"):
            resolve_secret_keys(settings)
    with pytest.raises(MissingSecretKey, match="pendek"):
        resolve_secret_keys(Settings(var_dir=tmp_path, demo_mode=False, secret_key="short"))


def test_the_demo_keeps_one_key_and_rotation_keeps_the_old_one(tmp_path: Path) -> None:
    first = resolve_secret_keys(Settings(var_dir=tmp_path))
    assert first == resolve_secret_keys(Settings(var_dir=tmp_path))
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    new, old = "n" * 40, "o" * 40
    assert resolve_secret_keys(Settings(var_dir=tmp_path, secret_key=new, secret_key_previous=(old, new))) == (new, old)


def test_workers_starting_together_agree_on_the_kept_key(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(kept_secret(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and len(seen) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]


def test_demo_data_is_never_the_default_on_postgresql() -> None:
    assert Settings.from_env({"DATABASE_URL": "postgresql://u@h/db"}).demo_mode is False
    assert Settings.from_env({"DATABASE_URL": "postgresql://u@h/db", "DEMO_MODE": "1"}).demo_mode is True
    assert Settings.from_env({}).demo_mode is True
    proxies = Settings.from_env({"TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}).trusted_proxies
    assert proxies == ("10.0.0.0/8", "127.0.0.1")


# -- the templates against the CSP ----------------------------------------------------------------


def _templates() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(TEMPLATE_DIR.rglob("*.html"))]


def test_no_template_has_inline_script_the_policy_would_block() -> None:
    problems = []
    for path, text in _templates():
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                problems.append(f"{path.name}: inline <script>")
        for handler, code in re.findall(r"\s(on[a-z]+)=\"([^\"]*)\"", text):
            if code != "window.print()":
                problems.append(f"{path.name}: {handler}={code!r}")
        if "hx-on" in text or "javascript:" in text:
            problems.append(f"{path.name}: hx-on or javascript: URL")
    assert problems == []


def test_every_inline_style_element_is_allowed_by_hash() -> None:
    allowed = set(security._INLINE_STYLES)
    for path, text in _templates():
        for body in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S):
            # staff/slips.html sizes the printed page by paper size: each variant must be allowed.
            for size in ("a4", "a6"):
                assert Environment(autoescape=True).from_string(body).render(size=size) in allowed, (path.name, size)


# -- logs ---------------------------------------------------------------------------------------------


def _access_record(path: str) -> logging.LogRecord:
    args = ("1.2.3.4", "GET", path, "1.1", 200)
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)


def test_access_log_lines_lose_their_query_string() -> None:
    record = _access_record("/pesanan/PD-1?token=rahasia")
    assert StripQueryString().filter(record)
    assert record.getMessage() == '1.2.3.4 - "GET /pesanan/PD-1 HTTP/1.1" 200'
    line = JsonFormatter().format(record)
    assert '"path": "/pesanan/PD-1"' in line and "rahasia" not in line
