"""Imports every package's models so the shared metadata knows all tables."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "app.models",
    "app.meta",
    "app.regions",
    "app.tokens",
    "app.audit",
    "producers.models",
    "catalog.models",
    "orders.models",
    "search.models",
)


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
