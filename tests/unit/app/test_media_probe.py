"""The readiness probe's look at the media store: a folder answers, a store nobody listens on does not."""

from __future__ import annotations

import socket
from pathlib import Path

from app.settings import Settings
from app.storage import open_media_store


async def test_a_local_folder_answers(tmp_path: Path) -> None:
    store = open_media_store(Settings(var_dir=tmp_path))
    assert await store.reachable()


async def test_an_object_store_that_does_not_answer_is_reported_in_time(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        var_dir=tmp_path,
        media_url="s3://foto/pasardesa",
        aws_endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        aws_region="us-east-1",
    )
    assert not await open_media_store(settings).reachable(within=1.0)
