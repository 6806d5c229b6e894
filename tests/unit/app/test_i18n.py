"""Every text people read goes through the catalogs, and the English catalog translates every one of them."""

from __future__ import annotations

import ast
import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from app.clock import MONTHS, tanggal
from app.i18n import _, load_catalog, negotiate, parse_accept_language, use_locale
from app.i18n_catalogs import AREAS, PYTHON_PACKAGES, ROOT, area_of, extract, missing
from app.text import rupiah
from app.web import TEMPLATE_DIR, configure_environment
from orders import state as order_state

# Words that only Indonesian text has (a text of the interface written outside `_()` gives itself away).
INDONESIAN = re.compile(
    r"\b(yang|tidak|belum|sudah|harus|wajib|anda|dan|untuk|dengan|dari|pada|ini|itu|atau|bisa|akan|silakan|"
    r"masukkan|pilih|isi|simpan|tersimpan|disimpan|gagal|berhasil|ditolak|diterima|pesanan|produk|koperasi|"
    r"anggota|stok|harga|bulan|tahun|hari|lagi|baru|lunas|dibayar|diantar|diambil|kurir|petugas|pengurus|"
    r"bendahara|halaman|nomor|nama|alamat|tanggal|jumlah|barang|keranjang|bayar|tunai|belanja|tambah|hapus|"
    r"ubah|kirim|batal|batalkan|catat|lihat|semua|tanpa|sebelum|sesudah|setelah|oleh|kami|kita|saja|juga)\b",
    re.IGNORECASE,
)
# Names and units that read the same in both languages.
SAME_IN_BOTH = re.compile(
    r"\b(Pasar Desa|Rp|QRIS|WhatsApp|WA|LPG|UMKM|NIK|KTP|RT|RW|SHU|RAT|PD|OK|PDF|CSV|JSON|API|kg|g|ml|l|"
    r"WITA|WIB|WIT|Beancount|Bahasa Indonesia|English|HP|ID|No|x|pcs|KB|MB|Email|E-mail|Wi-Fi)\b"
)
META_SHOWN = {"description", "og:title", "og:description", "og:site_name", "og:image:alt", "application-name"}
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "content", "data-confirm", "label"}
JINJA_CODE = re.compile(r"\{#.*?#\}|\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
JINJA_EXPRESSION = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.DOTALL)
STRING_LITERAL = re.compile(r"""(?<![\w)])(_\(\s*|n_\(\s*|ngettext\(\s*)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
TEMPLATES = sorted(path.relative_to(ROOT).as_posix() for path in TEMPLATE_DIR.rglob("*.html"))
MARKERS = {"_", "N_", "n_", "gettext", "ngettext"}
# Not the interface: the operator's command line, demo and synthetic data, the catalog tool itself.
PYTHON_EXEMPT = ("app/cli.py", "app/demo/", "app/i18n_catalogs.py", "app/i18n.py", "search/synthetic.py")
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _readable(text: str) -> bool:
    """Letters left once names and units that are the same in both languages are taken out."""
    return bool(re.search(r"[A-Za-z]{2,}", SAME_IN_BOTH.sub("", text)))


class _ShownText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kinds = dict(attrs)
        for name, value in attrs:
            shown = name in SHOWN_ATTRIBUTES or (
                name == "value" and tag == "input" and kinds.get("type") in {"submit", "button"}
            )
            if tag == "meta" and name == "content":
                shown = str(kinds.get("name") or kinds.get("property") or "") in META_SHOWN
            if shown and value and _readable(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        if _readable(data.strip()):
            self.found.append(data.strip())


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_template_text_outside_the_catalogs(template: str) -> None:
    source = (ROOT / template).read_text(encoding="utf-8")
    untranslated: list[str] = []
    for match in JINJA_EXPRESSION.finditer(source):
        code = match.group(1) or match.group(2) or ""
        for literal in STRING_LITERAL.finditer(code):
            if not literal.group(1) and INDONESIAN.search(literal.group(2)) and " " in literal.group(2):
                untranslated.append(f"in Jinja code: {literal.group(2)}")
    parser = _ShownText()
    parser.feed(JINJA_CODE.sub(" ", SCRIPT_OR_STYLE.sub(" ", source)))
    untranslated += parser.found
    assert not untranslated, f"{template}: texts outside _() / {{% trans %}}: {untranslated}"


def _python_files() -> list[str]:
    files = []
    for package in PYTHON_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(PYTHON_EXEMPT) and area_of(relative):
                files.append(relative)
    return files


def _untranslated_literals(relative: str) -> list[str]:
    source = (ROOT / relative).read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            skipped.add(id(first.value))  # a docstring
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in MARKERS or name in LOG_CALLS or name in {"text", "literal_column"}:
                for child in ast.walk(node):
                    skipped.add(id(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        value = node.value
        line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
        if "i18n: not shown" in line or value.startswith(("/", "^")):
            continue
        if INDONESIAN.search(value) and (" " in value.strip() or value[:1].isupper()):
            found.append(f"{relative}:{node.lineno}: {value[:70]!r}")
    return found


@pytest.mark.parametrize("relative", _python_files())
def test_no_service_message_outside_the_catalogs(relative: str) -> None:
    found = _untranslated_literals(relative)
    assert not found, "texts people read, written outside _() (mark data with '# i18n: not shown'):\n" + "\n".join(
        found
    )


def test_every_text_has_an_english_translation() -> None:
    untranslated = missing("en")
    assert not untranslated, "no English yet (python -m app.i18n_catalogs add-missing AREA):\n" + "\n".join(
        f"{text.places[0]}: {msgid!r}" for msgid, text in list(untranslated.items())[:60]
    )


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    catalog = load_catalog("en")
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(placeholder.findall(ids[0]))
        wrong += [f"{ids[0]!r} → {s!r}" for s in strings if set(placeholder.findall(s)) != expected]
    assert not wrong, wrong


def test_the_catalog_areas_cover_every_text() -> None:
    areas = {area for _prefix, area in AREAS if area}
    assert {area_of(place.split(":")[0]) for text in extract().values() for place in text.places} <= areas


def test_language_negotiation() -> None:
    assert negotiate(None, None) == "id"
    assert negotiate(None, "en-US,en;q=0.9,id;q=0.8") == "en"
    assert negotiate(None, "id-ID,id;q=0.9,en-US;q=0.8") == "id"
    assert negotiate(None, "in-ID,en;q=0.5") == "id"  # older Android browsers say "in"
    assert negotiate(None, "fr-FR,de;q=0.9") == "id"
    assert negotiate(None, "fr,en;q=0.1,id;q=0.05") == "en"
    assert negotiate("en", "id-ID") == "en"  # the switch wins over the browser
    assert negotiate("xx", "en") == "en"
    assert parse_accept_language("en;q=abc, id;q=0") is None


def test_numbers_dates_and_months_follow_the_language() -> None:
    day = datetime.date(2026, 12, 1)
    assert (rupiah(18500), tanggal(day), MONTHS[11]) == ("Rp18.500", "1 Desember 2026", "Desember")
    with use_locale("en"):
        assert (rupiah(-18500), tanggal(day), MONTHS[0]) == ("-Rp18,500", "1 December 2026", "January")
        assert _("Keranjang") == "Cart"
        assert _("Teks yang tidak ada di katalog") == "Teks yang tidak ada di katalog"


def test_every_template_compiles_with_the_translation_extension() -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    configure_environment(env, demo_notice=None, filters=order_state.TEMPLATE_FILTERS)
    for template in TEMPLATES:
        env.get_template(str(Path(template).relative_to("templates")))
