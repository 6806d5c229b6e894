"""Keeping the translation catalogs whole: extract every text, find the untranslated ones, add them to a .po file.

    python -m app.i18n_catalogs missing            # every text without an English translation, by area
    python -m app.i18n_catalogs add-missing AREA   # append them to app/locales/en/AREA.po with an empty msgstr

Not imported by the app at run time (tests and developers use it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from app.i18n import LOCALE_DIR, load_catalog

ROOT = Path(__file__).resolve().parent.parent
PYTHON_PACKAGES = ("app", "catalog", "orders", "producers", "search", "reports", "onboarding", "finance")
# Python calls that mark a text: `_`, `N_`, `gettext` take it first; `n_`/`ngettext` take singular and plural.
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "n_": (1, 2)}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}
# Which .po file holds an area's translations: the first matching path prefix wins.
AREAS: tuple[tuple[str, str], ...] = (
    ("app/demo/", ""),  # demo data: names and stories, not interface text
    ("templates/catalog/", "catalog"),
    ("templates/orders/", "orders"),
    ("templates/staff/", "staff"),
    ("templates/producers/", "producers"),
    ("templates/onboarding/", "onboarding"),
    ("templates/finance/", "finance"),
    ("templates/reports/", "reports"),
    ("templates/", "core"),
    ("catalog/", "catalog"),
    ("search/", "catalog"),
    ("orders/fulfilment/", "staff"),
    ("orders/", "orders"),
    ("producers/", "producers"),
    ("onboarding/", "onboarding"),
    ("finance/", "finance"),
    ("reports/", "reports"),
    ("app/", "core"),
)


@dataclass
class Text:
    msgid: str
    plural: str | None = None
    places: list[str] = field(default_factory=list)


def area_of(path: str) -> str:
    return next((area for prefix, area in AREAS if path.startswith(prefix)), "core")


def source_files(root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """(relative path, extraction method) of every file whose texts people read."""
    for path in sorted((root / "templates").rglob("*.html")):
        yield path.relative_to(root).as_posix(), "jinja2.ext:babel_extract"
    for package in PYTHON_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if area_of(relative):
                yield relative, "python"


def extract(root: Path = ROOT) -> dict[str, Text]:
    """Every marked text of the project, with where it is used."""
    texts: dict[str, Text] = {}
    for relative, method in source_files(root):
        options = JINJA_OPTIONS if method != "python" else {}
        for lineno, message, _comments, _context in extract_from_file(
            method, root / relative, keywords=KEYWORDS, options=options
        ):
            singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
            if not singular:
                continue
            text = texts.setdefault(singular, Text(singular, plural))
            text.places.append(f"{relative}:{lineno}")
    return texts


def missing(code: str = "en", root: Path = ROOT) -> dict[str, Text]:
    """Texts without a translation in `code`'s catalogs."""
    catalog = load_catalog(code)
    return {msgid: text for msgid, text in extract(root).items() if msgid not in catalog}


def add_missing(area: str, code: str = "en") -> int:
    """Append this area's untranslated texts to its .po file (msgstr empty, for a person to fill in)."""
    path = LOCALE_DIR / code / f"{area}.po"
    catalog = Catalog(locale=code, project="Pasar Desa", header_comment=f"# {code} translations of Pasar Desa: {area}.")
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code)
    added = 0
    for msgid, text in missing(code).items():
        if area_of(text.places[0].split(":")[0]) != area or msgid in catalog:
            continue
        places = [(place.rsplit(":", 1)[0], int(place.rsplit(":", 1)[1])) for place in text.places]
        catalog.add((msgid, text.plural) if text.plural else msgid, ("", "") if text.plural else "", places)
        added += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120, sort_output=False, omit_header=False, include_lineno=False)
    return added


def main(argv: list[str]) -> int:
    if argv[:1] == ["missing"]:
        by_area: dict[str, list[Text]] = {}
        for text in missing().values():
            by_area.setdefault(area_of(text.places[0].split(":")[0]), []).append(text)
        for area, texts in sorted(by_area.items()):
            print(f"## {area}: {len(texts)} without English")
            for text in texts:
                print(f"  {text.msgid!r}  ({text.places[0]})")
        return 1 if by_area else 0
    if len(argv) == 2 and argv[0] == "add-missing":
        print(f"{add_missing(argv[1])} texts added to app/locales/en/{argv[1]}.po")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
