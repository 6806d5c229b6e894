"""Kept until callers move: the outbox model now lives in catalog.outbox."""

from catalog.outbox import ProductOutbox as SearchOutbox  # kept until callers move

__all__ = ["SearchOutbox"]
