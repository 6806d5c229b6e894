"""The NIK at rest: a keyed hash for "one account per NIK" and an encrypted copy staff can still read.

Both keys are derived from SECRET_KEY (HKDF, one label each), so nothing new has to be configured and
a copy of the database alone reveals no NIK. Keys in SECRET_KEY_PREVIOUS still open old copies and
still find old hashes; `rekey` rewrites rows under the current key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # `cryptography` is imported when a NIK is sealed or opened: it costs every worker ~6 MB, and most
    # never touch a NIK.
    from cryptography.fernet import Fernet, MultiFernet

log = logging.getLogger("pasardesa.nik")

_HASH_LABEL = b"pasardesa/nik/hmac-sha256/v1"
_SEAL_LABEL = b"pasardesa/nik/fernet/v1"


def _derive(secret: str, label: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) without salt, 32 bytes: one HMAC to extract, one block to expand."""
    extracted = hmac.new(bytes(32), secret.encode(), hashlib.sha256).digest()
    return hmac.new(extracted, label + b"\x01", hashlib.sha256).digest()


@dataclass(frozen=True)
class NikVault:
    """Hashes and seals NIKs with keys derived from the signing secrets (the current one first)."""

    hash_keys: tuple[bytes, ...]
    seal_keys: tuple[bytes, ...]

    @functools.cached_property
    def fernets(self) -> tuple[Fernet, ...]:
        from cryptography.fernet import Fernet

        return tuple(Fernet(base64.urlsafe_b64encode(key)) for key in self.seal_keys)

    @property
    def fernet(self) -> MultiFernet:
        from cryptography.fernet import MultiFernet

        return MultiFernet(list(self.fernets))

    @classmethod
    def from_secrets(cls, secrets: Sequence[str]) -> NikVault:
        if not secrets:
            raise ValueError("NikVault needs at least one secret")
        return cls(
            hash_keys=tuple(_derive(s, _HASH_LABEL) for s in secrets),
            seal_keys=tuple(_derive(s, _SEAL_LABEL) for s in secrets),
        )

    def digest(self, nik: str) -> str:
        """The hash stored in `nik_hash`: under the current key."""
        return self.digests(nik)[0]

    def digests(self, nik: str) -> list[str]:
        """The hash under every key still accepted: a lookup finds rows written before a rotation."""
        return [hmac.new(key, nik.encode(), hashlib.sha256).hexdigest() for key in self.hash_keys]

    def seal(self, nik: str | None) -> tuple[str | None, str | None]:
        """(nik_hash, nik_sealed) for a NIK; (None, None) clears it."""
        if not nik:
            return None, None
        return self.digest(nik), self.fernet.encrypt(nik.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        """The NIK in a sealed copy, or None when there is none or no key held can open it."""
        if not sealed:
            return None
        from cryptography.fernet import InvalidToken

        try:
            return self.fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            # A key that sealed it was dropped from SECRET_KEY_PREVIOUS too early: say so, do not crash a page.
            log.warning("a sealed NIK could not be opened with SECRET_KEY or SECRET_KEY_PREVIOUS")
            return None

    def current(self, nik_hash: str | None, sealed: str | None) -> bool:
        """Whether a row is already written under the current key (nothing for `rekey` to do)."""
        nik = self.open(sealed)
        if nik is None:
            return True
        if nik_hash != self.digest(nik):
            return False
        from cryptography.fernet import InvalidToken

        try:
            # Sealed with the current key iff that key alone opens it.
            self.fernets[0].decrypt((sealed or "").encode())
        except InvalidToken:
            return False
        return True


_configured: NikVault | None = None


def configure(secrets: Sequence[str]) -> NikVault:
    """Called once by the application factory (and by tools that write NIKs) with the signing secrets."""
    global _configured
    _configured = NikVault.from_secrets(secrets)
    return _configured


def vault() -> NikVault:
    if _configured is None:
        raise RuntimeError("app.nik_vault.configure(secrets) was not called")
    return _configured
