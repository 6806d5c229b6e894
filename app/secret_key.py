"""The one signing secret every worker and machine shares: from SECRET_KEY, or kept in VAR_DIR on the demo."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from app.settings import Settings

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret
# Shorter keys are guessable offline from a captured token.
MIN_SECRET_LENGTH = 32
HOW_TO_MAKE_ONE = (
    "Buat satu kunci lalu pakai yang sama di setiap worker dan mesin:\n"  # i18n: not shown
    "    export SECRET_KEY=$(openssl rand -hex 32)\n"
    "atau\n"
    "    export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
)


class MissingSecretKey(RuntimeError):
    """Production was started without SECRET_KEY (or with one too short to be safe)."""


def resolve_secret_keys(settings: Settings) -> tuple[str, ...]:
    """The current key first, then the previous keys still accepted for verifying.

    Never a random key per process: with several workers, or after a restart, a per-process key
    turns every form a browser already holds into a 403.
    """
    current = settings.secret_key or _configured_or_kept(settings)
    if len(current) < MIN_SECRET_LENGTH:
        raise MissingSecretKey(
            f"SECRET_KEY terlalu pendek (paling sedikit {MIN_SECRET_LENGTH} karakter).\n{HOW_TO_MAKE_ONE}"
        )
    return (current, *(key for key in settings.secret_key_previous if key != current))


def _configured_or_kept(settings: Settings) -> str:
    if settings.is_production:
        raise MissingSecretKey(
            "SECRET_KEY belum diatur. Di produksi (PostgreSQL atau DEMO_MODE=0) "  # i18n: not shown
            f"aplikasi tidak mau jalan dengan kunci acak.\n{HOW_TO_MAKE_ONE}"
        )
    return kept_secret(settings.var_dir / SECRET_FILE_NAME)


def kept_secret(path: Path) -> str:
    """Read the key in `path`, or create it once (0600) if no process has yet.

    Workers start at the same moment: the file is created with O_EXCL under a temporary name and
    linked into place, so exactly one key wins and nobody reads a half-written file.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise MissingSecretKey(
            f"{path} kosong; hapus berkasnya agar dibuat ulang, atau atur SECRET_KEY."  # i18n: not shown
        )
    return value
