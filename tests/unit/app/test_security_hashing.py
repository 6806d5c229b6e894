"""Password hashing runs off the event loop, a bounded number at a time."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from app import auth


async def test_hashing_leaves_the_event_loop_free(monkeypatch: pytest.MonkeyPatch) -> None:
    # Which thread runs argon2, not how long the loop stalled: timings on a shared machine prove nothing.
    loop_thread = threading.get_ident()
    threads: list[int] = []
    real_hash, real_verify = auth.hash_password, auth.verify_password

    def hash_in(password: str) -> str:
        threads.append(threading.get_ident())
        return real_hash(password)

    def verify_in(stored: str, password: str) -> bool:
        threads.append(threading.get_ident())
        return real_verify(stored, password)

    monkeypatch.setattr(auth, "hash_password", hash_in)
    monkeypatch.setattr(auth, "verify_password", verify_in)
    hashes = await asyncio.gather(*[auth.hash_password_async(f"sandi-{n}-panjang") for n in range(4)])
    assert await auth.verify_password_async(hashes[0], "sandi-0-panjang")
    assert not await auth.verify_password_async(hashes[0], "salah")
    assert len(threads) == 6 and loop_thread not in threads


async def test_at_most_a_few_hash_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def slow_hash(password: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "hash"

    monkeypatch.setattr(auth, "hash_password", slow_hash)
    await asyncio.gather(*[auth.hash_password_async("x") for _ in range(auth.HASHING_CONCURRENCY * 3)])
    assert peak == auth.HASHING_CONCURRENCY
