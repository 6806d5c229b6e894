"""The demo catalog as search documents, for the contract suite."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from search.documents import SearchDocument
from search.synonyms import SYNONYMS_FILE, Synonyms, load_synonyms

REPO = Path(__file__).resolve().parents[2]
APP_DEMO = REPO / "app" / "demo"
# Until the app's copy of the demo data lands, the shared originals stand in (tests only).
SHARED_DATA = REPO.parent / "shared" / "data"

BASE_CREATED_AT = 1_750_000_000
# Every OUT_OF_STOCK_EVERY-th product is indexed as sold out, so the in-stock filter has work to do
# (the demo catalog itself starts with everything in stock).
OUT_OF_STOCK_EVERY = 7


def _demo_file(name: str) -> Path:
    preferred = APP_DEMO / name
    return preferred if preferred.exists() else SHARED_DATA / name


def cooperative_slug(cooperative_id: str) -> str:
    return cooperative_id.removeprefix("kdmp-")


@cache
def demo_synonyms() -> Synonyms:
    return load_synonyms(SYNONYMS_FILE)


@cache
def demo_documents() -> tuple[SearchDocument, ...]:
    catalog = json.loads(_demo_file("demo_catalog.json").read_text(encoding="utf-8"))
    suppliers = {c["id"]: c["short_name"] for c in catalog["cooperatives"]}
    suppliers.update({p["id"]: p["business_name"] for p in catalog["producers"]})
    documents = []
    for number, product in enumerate(catalog["products"], start=1):
        documents.append(
            SearchDocument(
                id=number,
                cooperative=cooperative_slug(product["cooperative_id"]),
                name=product["name"],
                aliases=list(product["search_aliases"]),
                category=product["category"],
                producer=suppliers[product["supplier_id"]],
                description=product["description"] or "",
                unit=product["unit"],
                price=int(product["retail_price"]),
                in_stock=product["initial_stock"] > 0 and number % OUT_OF_STOCK_EVERY != 0,
                created_at=BASE_CREATED_AT + number * 3600,
                popularity=0,
            )
        )
    return tuple(documents)


def cooperatives() -> list[str]:
    return sorted({d.cooperative for d in demo_documents()})
