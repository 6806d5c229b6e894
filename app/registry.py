"""Imports every package's models so the shared metadata knows all tables, and wires their flush checks."""

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
    "orders.rollups",
    "catalog.outbox",
    "app.ratelimit",
    "finance.models",
)


def import_models() -> None:
    """Every model module, and the database-wide rules that hang on them: the HET check before each flush."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from catalog.ceilings import install_ceiling_guard

    install_ceiling_guard()
    from finance.events import install_ledger_posting

    install_ledger_posting()
