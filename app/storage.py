"""Where uploaded files live: a folder under VAR_DIR by default, any S3-compatible object store in production.

Every app node of one site must see the same files, so a site with more than one machine sets
`MEDIA_URL=s3://bucket/prefix` (with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for stores other
than Amazon's, AWS_ENDPOINT_URL and AWS_REGION). Both backends are obstore stores behind one small
interface, so the callers never know which one they write to. The bucket is the operator's: the app
never creates or lists it.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import obstore
from litestar import Request
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import LocalStore, S3Store

from app.errors import DomainError
from app.i18n import N_, _
from app.settings import Settings

log = logging.getLogger("pasardesa.storage")

LOCAL_FOLDER = "media"
PROBE_NAME = "readyz/probe"
UNAVAILABLE = N_("Penyimpanan berkas sedang tidak bisa dihubungi. Coba lagi sebentar lagi.")


class StorageUnavailable(DomainError):
    """The object store did not answer; nothing was stored and the person may try again."""

    status_code = 503
    code = "storage_unavailable"


class StorageConfigError(RuntimeError):
    """MEDIA_URL cannot be used; said to the operator at start-up."""


@dataclass(frozen=True)
class MediaStore:
    """Files by name (`produk/<key>-md.webp`); `local_dir` is set for the local backend only."""

    store: LocalStore | S3Store
    description: str
    local_dir: Path | None = None

    async def put(self, name: str, content: bytes, content_type: str) -> None:
        try:
            if self.local_dir is None:
                await obstore.put_async(self.store, name, content, attributes={"Content-Type": content_type})
            else:  # a folder keeps no attributes; the app names the type when it serves the file
                await obstore.put_async(self.store, name, content)
        except (BaseError, OSError) as exc:
            log.error("storing %s in %s failed: %s", name, self.description, exc)
            raise StorageUnavailable(_(UNAVAILABLE)) from exc

    async def get(self, name: str) -> bytes | None:
        """The whole file (photos are small thumbnails), or None when there is no such file."""
        try:
            result = await obstore.get_async(self.store, name)
            return bytes(await result.bytes_async())
        except (NotFoundError, FileNotFoundError):
            return None
        except (BaseError, OSError) as exc:
            log.error("reading %s from %s failed: %s", name, self.description, exc)
            raise StorageUnavailable(_(UNAVAILABLE)) from exc

    async def delete(self, name: str) -> None:
        """Remove a file; a missing file is already removed, and a failure only leaves an orphan behind."""
        try:
            await obstore.delete_async(self.store, name)
        except (NotFoundError, FileNotFoundError):
            return
        except (BaseError, OSError) as exc:
            log.warning("deleting %s from %s failed (left behind): %s", name, self.description, exc)

    async def listing(self, prefix: str) -> list[tuple[str, datetime.datetime]]:
        """Every file under `prefix` with when it was written (for the sweep of files no row names)."""
        found: list[tuple[str, datetime.datetime]] = []
        try:
            async for batch in obstore.list(self.store, prefix=prefix, chunk_size=1000):
                found.extend((meta["path"], meta["last_modified"]) for meta in batch)
        except (NotFoundError, FileNotFoundError):
            return []  # a folder nothing was ever written to
        except (BaseError, OSError) as exc:
            log.error("listing %s in %s failed: %s", prefix, self.description, exc)
            raise StorageUnavailable(_(UNAVAILABLE)) from exc
        return found

    async def reachable(self, within: float = 2.0) -> bool:
        """Whether the store answers with these credentials: asks for a name that is never written."""
        try:
            await asyncio.wait_for(obstore.head_async(self.store, PROBE_NAME), within)
        except (NotFoundError, FileNotFoundError):
            return True  # it answered: "no such file"
        except (BaseError, OSError, TimeoutError) as exc:
            log.warning("media store %s did not answer: %s", self.description, exc)
            return False
        return True


def parse_media_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → ("bucket", "some/prefix")."""
    parts = urlsplit(url.strip())
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageConfigError(
            f"MEDIA_URL={url!r} tidak dikenali. Pakai s3://nama-bucket/awalan (penyimpanan S3), "  # i18n: not shown
            "atau kosongkan untuk menyimpan berkas di VAR_DIR."
        )
    return parts.netloc, parts.path.strip("/")


def open_media_store(settings: Settings) -> MediaStore:
    """The store MEDIA_URL names, or the folder VAR_DIR/media when it is empty."""
    if not settings.media_url:
        folder = settings.var_dir / LOCAL_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        return MediaStore(store=LocalStore(prefix=folder), description=str(folder), local_dir=folder)
    bucket, prefix = parse_media_url(settings.media_url)
    config: dict[str, Any] = {}
    if settings.aws_access_key_id:
        config["access_key_id"] = settings.aws_access_key_id
        config["secret_access_key"] = settings.aws_secret_access_key
    if settings.aws_region:
        config["region"] = settings.aws_region
    # A person is waiting on every call: fail within seconds (503, "try again") rather than retry for
    # obstore's default three minutes.
    client_options: dict[str, Any] = {"connect_timeout": "5s", "timeout": "20s"}
    retry: dict[str, Any] = {"max_retries": 3, "retry_timeout": datetime.timedelta(seconds=10)}
    if settings.aws_endpoint_url:
        config["endpoint"] = settings.aws_endpoint_url
        # MinIO, Garage and friends are often reached over plain HTTP inside a private network.
        client_options["allow_http"] = settings.aws_endpoint_url.startswith("http://")
    store = S3Store(
        bucket,
        prefix=prefix or None,
        config=config or None,  # type: ignore[arg-type]
        client_options=client_options,  # type: ignore[arg-type]
        retry_config=retry,  # type: ignore[arg-type]
    )
    return MediaStore(store=store, description=settings.media_url)


def media_store(request: Request[Any, Any, Any]) -> MediaStore:
    """The app's media store, opened once at start-up (see app.asgi)."""
    store: MediaStore = request.app.state["media"]
    return store
