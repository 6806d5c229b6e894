"""The media store behaves the same on a local folder and on a real S3-protocol server (moto), and an
object store that does not answer gives a clear "try again" instead of a crash or a long wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from app.storage import MediaStore, StorageConfigError, StorageUnavailable, open_media_store, parse_media_url
from tests.support.postgres import free_port
from tests.support.s3 import S3Server, start_s3


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_s3(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


def _s3_settings(tmp_path: Path, endpoint: str, media_url: str = "s3://pasardesa/toko") -> Settings:
    env = {
        "VAR_DIR": str(tmp_path),
        "MEDIA_URL": media_url,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing-access-key",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
        "AWS_REGION": "us-east-1",
    }
    return Settings.from_env(env)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return open_media_store(Settings(var_dir=tmp_path))
    server: S3Server = request.getfixturevalue("s3")
    return open_media_store(_s3_settings(tmp_path, server.endpoint))


async def test_put_get_delete(store: MediaStore) -> None:
    await store.put("produk/abc-md.webp", b"RIFF-photo", "image/webp")
    assert await store.get("produk/abc-md.webp") == b"RIFF-photo"
    assert await store.get("produk/nothing-md.webp") is None
    await store.delete("produk/abc-md.webp")
    await store.delete("produk/abc-md.webp")  # deleting twice is not an error
    assert await store.get("produk/abc-md.webp") is None


async def test_the_local_store_keeps_files_where_backup_copies_them(tmp_path: Path) -> None:
    store = open_media_store(Settings(var_dir=tmp_path))
    await store.put("produk/abc-sm.webp", b"x", "image/webp")
    assert (tmp_path / "media" / "produk" / "abc-sm.webp").read_bytes() == b"x"


async def test_the_s3_store_writes_under_the_prefix(s3: S3Server, tmp_path: Path) -> None:
    store = open_media_store(_s3_settings(tmp_path, s3.endpoint))
    await store.put("produk/prefixed-md.webp", b"x", "image/webp")
    assert "toko/produk/prefixed-md.webp" in s3.object_names()
    assert not (tmp_path / "media").exists()


async def test_an_object_store_that_does_not_answer_says_try_again(tmp_path: Path) -> None:
    store = open_media_store(_s3_settings(tmp_path, f"http://127.0.0.1:{free_port()}"))
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as refused:
        await store.put("produk/abc-md.webp", b"x", "image/webp")
    assert refused.value.status_code == 503
    assert "Coba lagi" in refused.value.message
    with pytest.raises(StorageUnavailable):
        await store.get("produk/abc-md.webp")
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("url", ["s3://", "http://bucket/x", "bucket/x", "gs://bucket"])
def test_a_media_url_that_is_not_s3_is_refused_with_the_form_to_use(url: str) -> None:
    with pytest.raises(StorageConfigError, match="s3://nama-bucket/awalan"):
        parse_media_url(url)


def test_a_media_url_names_bucket_and_prefix() -> None:
    assert parse_media_url("s3://foto-koperasi/kalsel/produk/") == ("foto-koperasi", "kalsel/produk")
    assert parse_media_url("s3://foto-koperasi") == ("foto-koperasi", "")


def test_backup_leaves_photos_in_the_object_store_and_says_so(tmp_path: Path) -> None:
    import json
    import sqlite3

    from app.backup import backup

    settings = _s3_settings(tmp_path / "site", "http://127.0.0.1:1")
    settings.var_dir.mkdir()
    sqlite3.connect(settings.var_dir / "pasardesa.sqlite3").close()
    (settings.var_dir / "media" / "produk").mkdir(parents=True)  # a leftover from before MEDIA_URL
    message = backup(settings, tmp_path / "cadangan")
    assert "s3://pasardesa/toko" in message and "cadangkan bucket itu" in message
    assert not (tmp_path / "cadangan" / "media").exists()
    assert json.loads((tmp_path / "cadangan" / "backup.json").read_text())["media"] == "s3://pasardesa/toko"
