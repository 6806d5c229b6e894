"""Which interface texts of one language a page still shows in the other (for the language-switch tests)."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from app.i18n import load_catalog

_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


class _VisibleText(HTMLParser):
    """Text a person sees or hears: page text, button values, placeholders, labels, image descriptions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        for name, value in attrs:
            if value and name in {"placeholder", "title", "aria-label", "alt", "data-confirm", "data-no-signal"}:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@functools.cache
def _pairs() -> tuple[tuple[str, str], ...]:
    """(Indonesian, English) fragments long enough to be told apart from names and numbers."""
    pairs = []
    for message in load_catalog("en"):
        if not message.id or not message.string:
            continue
        source = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        target = str(message.string[0] if isinstance(message.string, (tuple, list)) else message.string)
        for id_part, en_part in zip(_PLACEHOLDER.split(source), _PLACEHOLDER.split(target), strict=False):
            id_part, en_part = " ".join(id_part.split()), " ".join(en_part.split())
            if id_part != en_part and len(id_part.split()) >= 2 and len(id_part) >= 10:
                pairs.append((id_part, en_part))
    return tuple(pairs)


def indonesian_left(html: str) -> list[str]:
    """Indonesian interface texts (from the catalogs) still on a page that should be English."""
    text = visible_text(html)
    return sorted({source for source, _target in _pairs() if source in text})


def english_left(html: str) -> list[str]:
    """English translations on a page that should be Indonesian."""
    text = visible_text(html)
    return sorted({target for _source, target in _pairs() if len(target.split()) >= 2 and target in text})
