"""Password hashing runs off the event loop, a bounded number at a time."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from app import auth


async def test_hashing_leaves_the_event_loop_free() -> None:
    gaps: list[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    stop = asyncio.Event()
    ticking = asyncio.create_task(ticker(stop))
    hashes = await asyncio.gather(*[auth.hash_password_async(f"sandi-{n}-panjang") for n in range(4)])
    assert await auth.verify_password_async(hashes[0], "sandi-0-panjang")
    assert not await auth.verify_password_async(hashes[0], "salah")
    stop.set()
    await ticking
    # One argon2 call alone takes longer than this; the loop kept ticking while they ran.
    assert max(gaps) < 0.12, max(gaps)


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
