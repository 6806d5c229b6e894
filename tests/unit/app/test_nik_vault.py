"""The NIK vault: hashes are keyed, copies open only with a key held, rotation keeps both working."""

from __future__ import annotations

from app.nik_vault import NikVault

NIK = "6303045611900001"
OLD, NEW = "o" * 40, "n" * 40


def test_hash_is_keyed_and_the_copy_opens_only_with_a_held_key() -> None:
    old = NikVault.from_secrets((OLD,))
    nik_hash, sealed = old.seal(NIK)
    assert nik_hash == old.digest(NIK) and len(nik_hash or "") == 64
    assert nik_hash != NikVault.from_secrets((NEW,)).digest(NIK)
    assert sealed is not None and NIK not in sealed and old.open(sealed) == NIK
    assert NikVault.from_secrets((NEW,)).open(sealed) is None
    assert old.seal(None) == (None, None) and old.open(None) is None


def test_rotation_reads_old_rows_and_writes_new_ones() -> None:
    old = NikVault.from_secrets((OLD,))
    nik_hash, sealed = old.seal(NIK)
    rotated = NikVault.from_secrets((NEW, OLD))
    assert rotated.open(sealed) == NIK
    assert nik_hash in rotated.digests(NIK) and rotated.digest(NIK) != nik_hash
    assert not rotated.current(nik_hash, sealed)
    assert rotated.current(*rotated.seal(NIK))
