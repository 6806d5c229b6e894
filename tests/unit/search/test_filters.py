"""Meilisearch filter quoting, escaping and the attribute allow-list."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.engine import SearchQuery
from search.filters import build_filter, compare, equals, one_of, quote


def unquote(literal: str) -> str:
    """How Meilisearch reads a double-quoted string: a backslash takes the next character as is."""
    assert literal.startswith('"')
    assert literal.endswith('"')
    out = []
    chars = iter(literal[1:-1])
    for char in chars:
        if char == "\\":
            out.append(next(chars))
        else:
            assert char != '"', f"unescaped quote in {literal!r}"
            out.append(char)
    return "".join(out)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sembako", '"Sembako"'),
        ('Ayam "kampung"', '"Ayam \\"kampung\\""'),
        ("a\\b", '"a\\\\b"'),
        # Backslash first, then quote: a trailing backslash cannot swallow the closing quote.
        ('x\\" OR 1', '"x\\\\\\" OR 1"'),
        ("", '""'),
    ],
)
def test_quote_escapes_backslash_then_double_quote(value: str, expected: str) -> None:
    assert quote(value) == expected


@given(st.text())
def test_quote_round_trips_any_text(value: str) -> None:
    assert unquote(quote(value)) == value


def test_filter_always_starts_with_the_cooperative() -> None:
    assert build_filter(SearchQuery(cooperative="lok-baintan")) == 'cooperative = "lok-baintan"'


def test_filter_with_every_condition() -> None:
    query = SearchQuery(
        cooperative="tabanio",
        categories=["Sembako", "Ikan & Daging"],
        producers=["KUB Nelayan Bahari Tabanio"],
        min_price=1_000,
        max_price=50_000,
        in_stock=True,
    )
    assert build_filter(query) == (
        'cooperative = "tabanio"'
        ' AND category IN ["Sembako", "Ikan & Daging"]'
        ' AND producer IN ["KUB Nelayan Bahari Tabanio"]'
        " AND price >= 1000 AND price <= 50000"
        " AND in_stock = true"
    )


def test_injection_stays_inside_one_quoted_value() -> None:
    hostile = 'Sembako" OR cooperative != "x'
    expression = build_filter(SearchQuery(cooperative="tabanio", categories=[hostile]))
    assert expression == 'cooperative = "tabanio" AND category IN ["Sembako\\" OR cooperative != \\"x"]'
    # Outside the quoted literals only our own structure remains.
    skeleton = re.sub(r'"(?:\\.|[^"\\])*"', "V", expression)
    assert skeleton == "cooperative = V AND category IN [V]"


@given(st.text(), st.lists(st.text(), max_size=3), st.lists(st.text(), max_size=3))
def test_no_value_escapes_its_quotes(cooperative: str, categories: list[str], producers: list[str]) -> None:
    expression = build_filter(
        SearchQuery(cooperative=cooperative, categories=categories, producers=producers)
    )
    literals = re.findall(r'"(?:\\.|[^"\\])*"', expression)
    assert [unquote(lit) for lit in literals] == [cooperative, *categories, *producers]
    skeleton = re.sub(r'"(?:\\.|[^"\\])*"', "V", expression)
    assert re.fullmatch(
        r"cooperative = V( AND category IN \[V(, V)*\])?( AND producer IN \[V(, V)*\])?", skeleton
    )


@pytest.mark.parametrize("name", ["id", "description", "cooperative OR 1", ""])
def test_attribute_names_come_from_the_allow_list(name: str) -> None:
    with pytest.raises(ValueError, match="filterable"):
        equals(name, "x")
    with pytest.raises(ValueError, match="filterable"):
        one_of(name, ["x"])


def test_numbers_are_rendered_as_integers_only() -> None:
    assert compare("price", ">=", 1500) == "price >= 1500"
    with pytest.raises(ValueError, match="operator"):
        compare("price", "!=", 1)
    with pytest.raises(ValueError, match="invalid literal"):
        compare("price", ">=", "1 OR 1=1")  # type: ignore[arg-type]
