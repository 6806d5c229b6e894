"""Kept until callers move: the outbox model now lives in catalog.outbox."""

from catalog.outbox import ProductOutbox as SearchOutbox  # noqa: F401 - kept until callers move
