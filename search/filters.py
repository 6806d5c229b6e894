"""Meilisearch filter expressions built from a SearchQuery, with every value quoted and escaped."""

from __future__ import annotations

from collections.abc import Sequence

from search.engine import SearchQuery

# The only attribute names a filter may mention. Names never come from user input, but the
# allow-list makes that a checked fact rather than a convention.
FILTERABLE_ATTRIBUTES = ("cooperative", "category", "producer", "in_stock", "price")

SORT_MAP: dict[str, list[str]] = {
    "relevance": [],
    "price_asc": ["price:asc"],
    "price_desc": ["price:desc"],
    "newest": ["created_at:desc"],
}


def quote(value: str) -> str:
    """A Meilisearch string literal: backslash escaped first, then double quote, then wrapped."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _attribute(name: str) -> str:
    if name not in FILTERABLE_ATTRIBUTES:
        raise ValueError(f"not a filterable attribute: {name!r}")
    return name


def equals(name: str, value: str) -> str:
    return f"{_attribute(name)} = {quote(value)}"


def one_of(name: str, values: Sequence[str]) -> str:
    return f"{_attribute(name)} IN [{', '.join(quote(v) for v in values)}]"


def compare(name: str, operator: str, value: int) -> str:
    if operator not in (">=", "<="):
        raise ValueError(f"unsupported operator: {operator!r}")
    # int() so that a float or a numeric string can never smuggle text into the expression.
    return f"{_attribute(name)} {operator} {int(value)}"


def filter_clauses(query: SearchQuery) -> list[str]:
    """The filter as a list of clauses ANDed together; the cooperative clause always comes first."""
    clauses = [equals("cooperative", query.cooperative)]
    if query.categories:
        clauses.append(one_of("category", query.categories))
    if query.producers:
        clauses.append(one_of("producer", query.producers))
    if query.min_price is not None:
        clauses.append(compare("price", ">=", query.min_price))
    if query.max_price is not None:
        clauses.append(compare("price", "<=", query.max_price))
    if query.in_stock:
        clauses.append(f"{_attribute('in_stock')} = true")
    return clauses


def build_filter(query: SearchQuery) -> str:
    """The whole filter expression for a query, always scoped to its cooperative."""
    return " AND ".join(filter_clauses(query))
