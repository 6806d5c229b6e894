"""Kept until callers move: the outbox now lives in catalog.outbox."""

from catalog.outbox import enqueue  # kept until callers move

__all__ = ["enqueue"]
