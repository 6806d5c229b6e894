"""A message shown after the session was cleared in the same request (sign-out) starts a new session."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import Empty

from app.web import flash, pop_flashes


def _request(session: Any) -> Request[Any, Any, Any]:
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/", "headers": [], "session": session}
    return Request(scope)  # type: ignore[arg-type]


def test_a_cleared_session_takes_a_message_and_gives_it_back() -> None:
    request = _request(Empty)
    assert pop_flashes(request) == []
    flash(request, "Anda sudah keluar dari semua perangkat.", "ok")
    assert pop_flashes(request) == [{"kind": "ok", "message": "Anda sudah keluar dari semua perangkat."}]
    assert pop_flashes(request) == []


def test_messages_pile_up_in_a_live_session() -> None:
    request = _request({"uid": 7})
    flash(request, "satu")
    flash(request, "dua", "error")
    assert [m["message"] for m in pop_flashes(request)] == ["satu", "dua"]
