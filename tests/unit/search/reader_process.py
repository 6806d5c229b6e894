"""A second process for the embedded-engine tests: reads an index, or tries to become its writer."""

from __future__ import annotations

import asyncio
from multiprocessing.connection import Connection
from pathlib import Path

from search.embedded import EmbeddedEngine, WriterBusy
from search.engine import SearchQuery


def serve(index_dir: str, conn: Connection) -> None:
    """Answer commands from the test until told to stop."""
    reader = EmbeddedEngine(Path(index_dir), {}, writer=False)
    while True:
        command, *args = conn.recv()
        if command == "search":
            result = reader.search_sync(SearchQuery(cooperative=args[0], q=args[1], per_page=100))
            conn.send(sorted([h.id, h.price] for h in result.hits))
        elif command == "reload":
            reader.reload()
            conn.send(True)
        elif command == "try_writer":
            conn.send(asyncio.run(_try_writer(Path(index_dir))))
        elif command == "stop":
            conn.send(True)
            return


async def _try_writer(index_dir: Path) -> str:
    writer = EmbeddedEngine(index_dir, {}, writer=True)
    try:
        await writer.ensure_settings()
    except WriterBusy:
        return "busy"
    finally:
        await writer.close()
    return "acquired"
