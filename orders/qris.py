"""QRIS payloads: TLV parsing, validation, CRC, static-to-dynamic conversion and QR rendering."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.i18n import N_, _

__all__ = [
    "Field",
    "QrisError",
    "QrisInfo",
    "crc16_ccitt_false",
    "encode",
    "make_demo_static",
    "parse",
    "parse_nested",
    "qr_png",
    "qr_svg",
    "read_qr_image",
    "to_dynamic",
    "validate_static",
    "verify_crc",
]

MAX_AMOUNT_DIGITS = 13
MAX_BILL_NUMBER_LENGTH = 25
MAX_MERCHANT_NAME_LENGTH = 25
MAX_MERCHANT_CITY_LENGTH = 15

STATIC = "11"
DYNAMIC = "12"

# Tags 26-51 are the domestic merchant account templates.
_MERCHANT_ACCOUNT_TAGS = frozenset(f"{n:02d}" for n in range(26, 52))
# Tip indicators and the amount belong to one transaction; a dynamic QR sets its own.
_DROPPED_FOR_DYNAMIC = frozenset({"54", "55", "56", "57", "63"})
_CRC_HEADER = "6304"
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_TWO_DIGITS = re.compile(r"[0-9]{2}")

_SVG_SCALE = 5
_SVG_BORDER = 4  # the quiet zone the QR standard requires

_HINT = N_("Pastikan seluruh teks QRIS tersalin.")


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _attempt in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _crc_table()


def crc16_ccitt_false(data: bytes | str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits; str is UTF-8."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    crc = 0xFFFF
    for byte in raw:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[((crc >> 8) ^ byte) & 0xFF]
    return f"{crc:04X}"


class QrisError(ValueError):
    """A QRIS payload (or a request to build one) is unusable; `message` is for the user."""

    def __init__(self, code: str, message: str, tag: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.tag = tag


@dataclass(frozen=True, slots=True)
class Field:
    """One TLV data object. Lengths count characters, as EMVCo specifies."""

    tag: str
    value: str

    def encode(self) -> str:
        if len(self.value) > 99:
            raise QrisError(
                "length",
                _(
                    "Isi tag %(tag)s terlalu panjang (%(n)s karakter, paling banyak 99).",
                    tag=self.tag,
                    n=len(self.value),
                ),
                self.tag,
            )
        return f"{self.tag}{len(self.value):02d}{self.value}"


@dataclass(frozen=True, slots=True)
class QrisInfo:
    """What staff see after pasting their static QRIS."""

    merchant_name: str
    merchant_city: str | None
    nmid: str | None
    postal_code: str | None
    point_of_initiation: str | None


def encode(fields: Iterable[Field]) -> str:
    """Serialise fields as TLV, without adding a CRC."""
    return "".join(field.encode() for field in fields)


def _parse_tlv(text: str, where: str = "") -> list[Field]:
    fields: list[Field] = []
    pos = 0
    while pos < len(text):
        if len(text) - pos < 4:
            raise QrisError(
                "truncated",
                _(
                    "Kode QRIS terpotong%(where)s: data berakhir di tengah tag pada posisi %(pos)s. %(hint)s",
                    where=_(where) if where else "",
                    pos=pos + 1,
                    hint=_(_HINT),
                ),
            )
        tag, length = text[pos : pos + 2], text[pos + 2 : pos + 4]
        if not _TWO_DIGITS.fullmatch(tag):
            raise QrisError(
                "format",
                _(
                    "Kode QRIS rusak%(where)s: tag pada posisi %(pos)s harus dua angka, tertulis %(tag)s. %(hint)s",
                    where=_(where) if where else "",
                    pos=pos + 1,
                    tag=repr(tag),
                    hint=_(_HINT),
                ),
            )
        if not _TWO_DIGITS.fullmatch(length):
            raise QrisError(
                "length",
                _(
                    "Kode QRIS rusak%(where)s: panjang tag %(tag)s harus dua angka, tertulis %(length)s. %(hint)s",
                    where=_(where) if where else "",
                    tag=tag,
                    length=repr(length),
                    hint=_(_HINT),
                ),
                tag,
            )
        size = int(length)
        start = pos + 4
        remaining = len(text) - start
        if size > remaining:
            raise QrisError(
                "truncated",
                _(
                    "Kode QRIS terpotong%(where)s: tag %(tag)s seharusnya berisi %(size)s karakter, "
                    "tetapi hanya tersisa %(remaining)s. %(hint)s",
                    where=_(where) if where else "",
                    tag=tag,
                    size=size,
                    remaining=remaining,
                    hint=_(_HINT),
                ),
                tag,
            )
        fields.append(Field(tag, text[start : start + size]))
        pos = start + size
    return fields


def parse(payload: str) -> list[Field]:
    """Split a payload into top-level fields (structure only; `validate_static` checks meaning)."""
    text = payload.strip()
    if not text:
        raise QrisError(
            "empty",
            _("Kode QRIS kosong. Tempelkan seluruh teks QRIS dari aplikasi bank atau dompet digital."),
        )
    return _parse_tlv(text)


def parse_nested(value: str) -> list[Field]:
    """Split the value of a template (tags 26-51, 62) into its sub-fields."""
    return _parse_tlv(value, where=N_(" (di dalam template)"))


def verify_crc(payload: str) -> None:
    """Raise QrisError unless the payload ends in a CRC field that matches its content."""
    text = payload.strip()
    fields = parse(text)
    _check_crc(text, fields)


def _check_crc(text: str, fields: list[Field]) -> None:
    if not any(field.tag == "63" for field in fields):
        raise QrisError(
            "missing_tag",
            _("Kode QRIS tidak lengkap: CRC (tag 63) tidak ada di akhir kode. %(hint)s", hint=_(_HINT)),
            "63",
        )
    if fields[-1].tag != "63" or len(fields[-1].value) != 4:
        raise QrisError(
            "crc",
            _("Kode QRIS rusak: CRC (tag 63, 4 karakter) harus menjadi bagian terakhir kode. %(hint)s", hint=_(_HINT)),
            "63",
        )
    written = fields[-1].value
    expected = crc16_ccitt_false(text[:-4])
    # Upper case is what the spec asks for; some generators write lower case, which scanners accept.
    if not _HEX4.fullmatch(written) or written.upper() != expected:
        raise QrisError(
            "crc",
            _(
                "Kode QRIS rusak: CRC tidak cocok (tertulis %(written)s, seharusnya %(expected)s). %(hint)s",
                written=written,
                expected=expected,
                hint=_(_HINT),
            ),
            "63",
        )


def _validated_fields(payload: str) -> list[Field]:
    text = payload.strip()
    fields = parse(text)
    _check_crc(text, fields)

    seen: set[str] = set()
    for field in fields:
        if field.tag in seen:
            raise QrisError(
                "format", _("Kode QRIS tidak valid: tag %(tag)s muncul lebih dari sekali.", tag=field.tag), field.tag
            )
        seen.add(field.tag)
    by_tag = {field.tag: field.value for field in fields}

    if "00" not in by_tag:
        raise QrisError("missing_tag", _("Kode QRIS tidak valid: penanda format (tag 00) tidak ada."), "00")
    if fields[0].tag != "00" or by_tag["00"] != "01":
        raise QrisError(
            "format",
            _("Kode QRIS tidak valid: kode harus diawali penanda format 000201 (tag 00 bernilai 01)."),
            "00",
        )
    initiation = by_tag.get("01")
    if initiation is not None and initiation not in (STATIC, DYNAMIC):
        raise QrisError(
            "format",
            _(
                "Kode QRIS tidak valid: metode inisiasi (tag 01) harus 11 (statis) atau 12 (dinamis), "
                "tertulis %(value)s.",
                value=repr(initiation),
            ),
            "01",
        )
    if not seen & _MERCHANT_ACCOUNT_TAGS:
        raise QrisError(
            "missing_tag",
            _("Kode QRIS tidak valid: informasi akun merchant (tag 26 sampai 51) tidak ada."),
            "26",
        )
    _require_value(by_tag, "53", N_("mata uang"), "360", "360 (Rupiah)")
    _require_value(by_tag, "58", N_("kode negara"), "ID", "ID", N_(" Hanya QRIS Indonesia yang diterima."))
    if not by_tag.get("59", "").strip():
        raise QrisError("missing_tag", _("Kode QRIS tidak valid: nama merchant (tag 59) tidak ada."), "59")
    return fields


def _require_value(
    by_tag: dict[str, str], tag: str, name: str, expected: str, expected_label: str, advice: str = ""
) -> None:
    """Refuse a payload whose `tag` is missing or holds anything but `expected`."""
    value = by_tag.get(tag)
    if value is None:
        missing = _("Kode QRIS tidak valid: %(name)s (tag %(tag)s) tidak ada.", name=_(name), tag=tag)
        raise QrisError("missing_tag", missing, tag)
    if value != expected:
        raise QrisError(
            "format",
            _(
                "Kode QRIS tidak valid: %(name)s (tag %(tag)s) harus %(expected)s, tertulis %(value)s.",
                name=_(name),
                tag=tag,
                expected=expected_label,
                value=repr(value),
            )
            + (_(advice) if advice else ""),
            tag,
        )


def _find_nmid(fields: list[Field]) -> str | None:
    templates = [f for f in fields if f.tag in _MERCHANT_ACCOUNT_TAGS]
    # The QRIS template (51) carries the NMID; fall back to any other template's sub-tag 02.
    templates.sort(key=lambda f: f.tag != "51")
    for template in templates:
        try:
            sub = parse_nested(template.value)
        except QrisError:
            # Acquirer templates are opaque to us; a quirky one must not make a valid QR unusable.
            continue
        for field in sub:
            if field.tag == "02" and field.value.startswith("ID"):
                return field.value
    return None


def validate_static(payload: str) -> QrisInfo:
    """Check a pasted QRIS (structure, CRC, mandatory tags) and return its merchant details."""
    fields = _validated_fields(payload)
    by_tag = {field.tag: field.value for field in fields}
    return QrisInfo(
        merchant_name=by_tag["59"].strip(),
        merchant_city=by_tag.get("60"),
        nmid=_find_nmid(fields),
        postal_code=by_tag.get("61"),
        point_of_initiation=by_tag.get("01"),
    )


def _with_crc(fields: Iterable[Field]) -> str:
    body = encode(fields) + _CRC_HEADER
    return body + crc16_ccitt_false(body)


def _check_amount(amount: int) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise QrisError("amount", _("Nominal QRIS harus bilangan bulat rupiah."), "54")
    if amount <= 0:
        raise QrisError("amount", _("Nominal QRIS harus lebih dari Rp0, tertulis %(amount)s.", amount=amount), "54")
    text = str(amount)
    if len(text) > MAX_AMOUNT_DIGITS:
        raise QrisError(
            "amount",
            _(
                "Nominal QRIS terlalu besar: paling banyak %(max)s digit, tertulis %(n)s.",
                max=MAX_AMOUNT_DIGITS,
                n=len(text),
            ),
            "54",
        )
    return text


def _with_bill_number(template: str | None, bill_number: str) -> str:
    fits = 0 < len(bill_number) <= MAX_BILL_NUMBER_LENGTH
    if not (fits and bill_number.isascii() and bill_number.isprintable()):
        raise QrisError(
            "bill_number",
            _(
                "Nomor tagihan QRIS harus 1 sampai %(max)s karakter huruf, angka "
                "atau tanda baca biasa, tertulis %(value)s.",
                max=MAX_BILL_NUMBER_LENGTH,
                value=repr(bill_number),
            ),
            "62",
        )
    sub = parse_nested(template) if template else []
    bill = Field("01", bill_number)
    if any(field.tag == "01" for field in sub):
        sub = [bill if field.tag == "01" else field for field in sub]
    else:
        sub.insert(0, bill)
    value = encode(sub)
    if len(value) > 99:
        raise QrisError(
            "bill_number",
            _("Nomor tagihan QRIS tidak muat: data tambahan (tag 62) melebihi 99 karakter."),
            "62",
        )
    return value


def to_dynamic(static_payload: str, amount: int, bill_number: str | None = None) -> str:
    """Turn a (static) QRIS into a dynamic one for `amount` rupiah, with a fresh CRC."""
    amount_text = _check_amount(amount)
    fields = _validated_fields(static_payload)

    out: list[Field] = []
    for field in fields:
        if field.tag in _DROPPED_FOR_DYNAMIC:
            continue
        if field.tag == "01":
            out.append(Field("01", DYNAMIC))
            continue
        if field.tag == "58":
            out.append(Field("54", amount_text))
        if field.tag == "62" and bill_number is not None:
            out.append(Field("62", _with_bill_number(field.value, bill_number)))
            continue
        out.append(field)
        if field.tag == "00" and not any(f.tag == "01" for f in fields):
            out.append(Field("01", DYNAMIC))

    if bill_number is not None and not any(field.tag == "62" for field in fields):
        # Keep ascending tag order: 62 goes before any later template (e.g. 64 language).
        position = next((i for i, f in enumerate(out) if f.tag > "62"), len(out))
        out.insert(position, Field("62", _with_bill_number(None, bill_number)))

    return _with_crc(out)


def make_demo_static(merchant_name: str, city: str, postal_code: str, nmid: str) -> str:
    """A fictional static QRIS for a demo cooperative; every identifier in it is made up.

    Name and city are cut to the EMVCo limits (25 and 15 characters), as banks do.
    """
    name = merchant_name.strip()[:MAX_MERCHANT_NAME_LENGTH].strip()
    place = city.strip()[:MAX_MERCHANT_CITY_LENGTH].strip()
    if not name:
        raise ValueError("merchant_name must not be empty")
    if not place:
        raise ValueError("city must not be empty")
    if not re.fullmatch(r"[0-9]{5}", postal_code):
        raise ValueError("postal_code must be 5 digits")
    if not re.fullmatch(r"ID[0-9A-Z]{1,30}", nmid):
        raise ValueError("nmid must be 'ID' followed by digits or upper-case letters")
    digits = "".join(ch for ch in nmid if ch in "0123456789").rjust(11, "0")[-11:]
    merchant_account = encode(
        [
            # A reverse-domain GUID no real acquirer uses, so the demo QR cannot move money.
            Field("00", "ID.PASARDESA.DEMO"),
            Field("01", "93609999" + digits),
            Field("02", "DEMO" + digits),
            Field("03", "UMI"),
        ]
    )
    qris_template = encode([Field("00", "ID.CO.QRIS.WWW"), Field("02", nmid), Field("03", "UMI")])
    return _with_crc(
        [
            Field("00", "01"),
            Field("01", STATIC),
            Field("26", merchant_account),
            Field("51", qris_template),
            Field("52", "5411"),
            Field("53", "360"),
            Field("58", "ID"),
            Field("59", name),
            Field("60", place),
            Field("61", postal_code),
            Field("62", encode([Field("07", "DEMO")])),
        ]
    )


def qr_svg(payload: str, label: str = "Kode QRIS") -> str:
    """An inline SVG (no XML declaration) of the payload, sized for a phone screen.

    It carries a viewBox and an intrinsic size (about 300-350 px for a dynamic QRIS), so CSS such as
    `max-width: 100%; height: auto` shrinks it on narrow screens without cropping.
    """
    import segno  # imported on use: only payment pages draw a QR code

    code = segno.make(payload.strip(), error="m", micro=False)
    width, height = code.symbol_size(scale=_SVG_SCALE, border=_SVG_BORDER)
    # An explicit white background keeps the code scannable on dark-mode pages.
    svg = code.svg_inline(
        scale=_SVG_SCALE,
        border=_SVG_BORDER,
        dark="#000",
        light="#fff",
        svgclass="qris",
        lineclass=None,
        omitsize=True,
    )
    # segno writes either a size or a viewBox; a responsive image needs both.
    attributes = f'width="{width}" height="{height}" role="img" aria-label="{html.escape(label)}"'
    return svg.replace("<svg ", f"<svg {attributes} ", 1)


def qr_png(payload: str, scale: int = 8) -> bytes:
    """A PNG of the payload, for buyers who save the QR and open it from their e-wallet's gallery."""
    import segno

    buffer = io.BytesIO()
    segno.make(payload.strip(), error="m", micro=False).save(
        buffer, kind="png", scale=scale, border=_SVG_BORDER, dark="#000", light="#fff"
    )
    return buffer.getvalue()


MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


def read_qr_image(data: bytes) -> str:
    """The text of the QR code in a photo or screenshot of a QRIS sticker (PNG, JPEG, WebP).

    The image's content decides what it is, not its file name; huge images are refused before decoding.
    """
    # Imported here: only the one staff page that takes uploads needs the image libraries.
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise QrisError("image", _("Berkas gambar kosong. Pilih foto atau tangkapan layar QRIS."))
    if len(data) > MAX_IMAGE_BYTES:
        raise QrisError("image", _("Gambar terlalu besar (paling besar 5 MB). Kirim tangkapan layar QRIS saja."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in {"PNG", "JPEG", "WEBP", "GIF", "BMP"}:
                raise QrisError("image", _("Berkas ini bukan gambar PNG atau JPEG. Unggah foto QRIS."))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise QrisError("image", _("Gambar terlalu besar. Perkecil fotonya atau kirim tangkapan layar."))
            image.load()
            codes = zxingcpp.read_barcodes(image.convert("L"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise QrisError(
            "image", _("Berkas ini tidak bisa dibaca sebagai gambar. Unggah foto QRIS (PNG atau JPEG).")
        ) from None
    texts = [code.text for code in codes if code.format == zxingcpp.BarcodeFormat.QRCode and code.text]
    if not texts:
        raise QrisError(
            "image",
            _(
                "Tidak ada kode QR yang terbaca di gambar ini. Foto ulang QRIS dengan terang dan tegak, "
                "atau tempelkan teks QRIS-nya."
            ),
        )
    if len(set(texts)) > 1:
        raise QrisError(
            "image", _("Ada lebih dari satu kode QR di gambar ini. Potong gambar sampai tinggal QRIS saja.")
        )
    return texts[0]
