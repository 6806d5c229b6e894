"""QRIS payloads: CRC, parsing, validation messages, static-to-dynamic conversion and rendering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.qris import (
    Field,
    QrisError,
    QrisInfo,
    crc16_ccitt_false,
    make_demo_static,
    parse,
    parse_nested,
    qr_svg,
    to_dynamic,
    validate_static,
    verify_crc,
)

# --- helpers written independently of orders.qris ---------------------------------------------


def reference_crc(text: str) -> str:
    """Bit-by-bit CRC-16/CCITT-FALSE, to cross-check the module's table-driven one."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return f"{crc:04X}"


def tlv(*pairs: tuple[str, str]) -> str:
    return "".join(f"{tag}{len(value):02d}{value}" for tag, value in pairs)


def signed(*pairs: tuple[str, str]) -> str:
    body = tlv(*pairs) + "6304"
    return body + reference_crc(body)


def top_level(payload: str) -> list[tuple[str, str]]:
    """Independent TLV split, so round-trip checks do not rely only on the parser under test."""
    out, pos = [], 0
    while pos < len(payload):
        tag, size = payload[pos : pos + 2], int(payload[pos + 2 : pos + 4])
        out.append((tag, payload[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return out


def crc_ok(payload: str) -> bool:
    return payload[-8:-4] == "6304" and reference_crc(payload[:-4]) == payload[-4:]


# --- realistic-looking static payloads (all identifiers made up) ------------------------------

QRIS_51 = tlv(("00", "ID.CO.QRIS.WWW"), ("02", "ID1020012345678"), ("03", "UMI"))

# An e-wallet style QR: acquirer template in 26, QRIS template in 51, terminal label in 62.
EWALLET = signed(
    ("00", "01"),
    ("01", "11"),
    ("26", tlv(("00", "COM.GO-JEK.WWW"), ("01", "936009140000012345"), ("02", "G000012345"), ("03", "UMI"))),
    ("51", QRIS_51),
    ("52", "5499"),
    ("53", "360"),
    ("58", "ID"),
    ("59", "WARUNG ACIL IMAH"),
    ("60", "BANJAR"),
    ("61", "70652"),
    ("62", tlv(("07", "A01"))),
)

# A bank QR with a fixed tip (55 = 02, 56 = amount) between 53 and 58.
BANK_WITH_TIP = signed(
    ("00", "01"),
    ("01", "11"),
    ("26", tlv(("00", "ID.CO.BNI.WWW"), ("01", "936000090000000042"), ("02", "000000000042"), ("03", "UKE"))),
    ("51", tlv(("00", "ID.CO.QRIS.WWW"), ("02", "ID2021000000042"), ("03", "UKE"))),
    ("52", "5411"),
    ("53", "360"),
    ("55", "02"),
    ("56", "1000"),
    ("58", "ID"),
    ("59", "KOPERASI TELAGA MAKMUR"),
    ("60", "KANDANGAN"),
    ("61", "71211"),
    ("62", tlv(("05", "REF77"), ("07", "KASIR1"))),
)

# A "static with amount" QR: 54 already present, plus a tip prompt (55 = 01).
WITH_AMOUNT = signed(
    ("00", "01"),
    ("01", "11"),
    ("26", tlv(("00", "ID.DANA.WWW"), ("01", "936009150000000777"), ("02", "DANA0777"), ("03", "UMI"))),
    ("27", tlv(("00", "ID.OR.GPNQR.WWW"), ("01", "936009150000000777"))),
    ("51", tlv(("00", "ID.CO.QRIS.WWW"), ("02", "ID1022000000777"), ("03", "UMI"))),
    ("52", "5812"),
    ("53", "360"),
    ("54", "25000"),
    ("55", "01"),
    ("58", "ID"),
    ("59", "KEDAI IWAK TABANIO"),
    ("60", "TANAH LAUT"),
    ("61", "70815"),
)

# No 51 template: the NMID sits in sub-tag 02 of an acquirer template; no 62 and no 61.
NMID_IN_26 = signed(
    ("00", "01"),
    ("01", "11"),
    ("26", tlv(("00", "ID.CO.BANKKALSEL.WWW"), ("01", "936001230000005555"), ("02", "ID1023000005555"))),
    ("52", "5411"),
    ("53", "360"),
    ("58", "ID"),
    ("59", "TOKO BARAS LOK BAINTAN"),
    ("60", "MARTAPURA"),
)

STATICS = [EWALLET, BANK_WITH_TIP, WITH_AMOUNT, NMID_IN_26]


def test_crc_check_value() -> None:
    assert crc16_ccitt_false("123456789") == "29B1"
    assert crc16_ccitt_false(b"123456789") == "29B1"
    assert crc16_ccitt_false("") == "FFFF"


@given(st.binary(max_size=300))
def test_crc_matches_bitwise_reference(data: bytes) -> None:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    assert crc16_ccitt_false(data) == f"{crc:04X}"


@pytest.mark.parametrize("payload", STATICS)
def test_real_looking_statics_are_accepted(payload: str) -> None:
    verify_crc(payload)
    info = validate_static(payload)
    assert isinstance(info, QrisInfo)
    assert info.point_of_initiation == "11"


def test_validate_static_reports_merchant() -> None:
    assert validate_static(EWALLET) == QrisInfo(
        merchant_name="WARUNG ACIL IMAH",
        merchant_city="BANJAR",
        nmid="ID1020012345678",
        postal_code="70652",
        point_of_initiation="11",
    )
    assert validate_static(BANK_WITH_TIP).nmid == "ID2021000000042"
    info = validate_static(NMID_IN_26)
    assert (info.nmid, info.postal_code) == ("ID1023000005555", None)


def test_pasted_with_whitespace_and_newlines() -> None:
    assert validate_static(f"\n  {EWALLET} \r\n").merchant_name == "WARUNG ACIL IMAH"
    assert crc_ok(to_dynamic(f"\t{EWALLET}\n", 5000))


def test_lower_case_crc_is_accepted() -> None:
    assert validate_static(EWALLET[:-4] + EWALLET[-4:].lower()).merchant_name == "WARUNG ACIL IMAH"


def test_parse_and_parse_nested() -> None:
    fields = parse(EWALLET)
    assert [f.tag for f in fields] == ["00", "01", "26", "51", "52", "53", "58", "59", "60", "61", "62", "63"]
    assert fields[0] == Field("00", "01")
    nested = parse_nested(fields[3].value)
    assert nested == [Field("00", "ID.CO.QRIS.WWW"), Field("02", "ID1020012345678"), Field("03", "UMI")]
    assert Field("59", "WARUNG").encode() == "5906WARUNG"


@pytest.mark.parametrize("payload", STATICS)
@pytest.mark.parametrize("amount", [1, 18500, 9_999_999_999_999])
def test_round_trip_static_to_dynamic(payload: str, amount: int) -> None:
    dynamic = to_dynamic(payload, amount)
    assert crc_ok(dynamic)
    verify_crc(dynamic)

    before = top_level(payload.strip())
    after = top_level(dynamic)
    after_map = dict(after)
    assert after_map["01"] == "12"
    assert after_map["54"] == str(amount)
    tags = [t for t, _ in after]
    assert tags.index("54") == tags.index("58") - 1
    assert tags[-1] == "63"
    assert not {"55", "56", "57"} & set(tags)
    # Everything else is kept, in its original order and with its original value.
    kept_before = [(t, v) for t, v in before if t not in {"01", "54", "55", "56", "57", "63"}]
    kept_after = [(t, v) for t, v in after if t not in {"01", "54", "63"}]
    assert kept_after == kept_before

    info_before, info_after = validate_static(payload), validate_static(dynamic)
    assert info_after.point_of_initiation == "12"
    assert (info_after.merchant_name, info_after.merchant_city, info_after.nmid, info_after.postal_code) == (
        info_before.merchant_name,
        info_before.merchant_city,
        info_before.nmid,
        info_before.postal_code,
    )


def test_old_amount_and_tips_are_removed() -> None:
    for payload in (BANK_WITH_TIP, WITH_AMOUNT):
        tags = [t for t, _ in top_level(payload)]
        assert {"54", "55", "56"} & set(tags)
    dynamic = top_level(to_dynamic(WITH_AMOUNT, 18500))
    assert [v for t, v in dynamic if t == "54"] == ["18500"]
    assert "55" not in dict(dynamic)
    tip_tags = dict(top_level(to_dynamic(BANK_WITH_TIP, 18500)))
    assert "55" not in tip_tags
    assert "56" not in tip_tags


def test_dynamic_can_be_converted_again() -> None:
    once = to_dynamic(EWALLET, 1000)
    twice = to_dynamic(once, 2000)
    assert twice == to_dynamic(EWALLET, 2000)


def test_bill_number_goes_into_62_01() -> None:
    dynamic = dict(top_level(to_dynamic(BANK_WITH_TIP, 65500, bill_number="PD-2025-000123")))
    assert dict(top_level(dynamic["62"])) == {"01": "PD-2025-000123", "05": "REF77", "07": "KASIR1"}
    assert top_level(dynamic["62"])[0] == ("01", "PD-2025-000123")
    # Without a 62 in the static, one is added before the CRC.
    added = top_level(to_dynamic(NMID_IN_26, 65500, bill_number="PD-1"))
    assert [t for t, _ in added][-2:] == ["62", "63"]
    assert dict(added)["62"] == "0104PD-1"
    # An existing bill number is replaced, not doubled.
    again = dict(top_level(to_dynamic(to_dynamic(EWALLET, 1, bill_number="A"), 1, bill_number="B")))
    assert dict(top_level(again["62"])) == {"01": "B", "07": "A01"}


@pytest.mark.parametrize("bill", ["", "X" * 26, "Pesanan\n1", "Kué"])
def test_bad_bill_number(bill: str) -> None:
    with pytest.raises(QrisError) as caught:
        to_dynamic(EWALLET, 1000, bill_number=bill)
    assert caught.value.code == "bill_number"


@pytest.mark.parametrize("amount", [0, -1, -18500, 10_000_000_000_000])
def test_bad_amounts(amount: int) -> None:
    with pytest.raises(QrisError) as caught:
        to_dynamic(EWALLET, amount)
    assert caught.value.code == "amount"
    assert "Nominal QRIS" in caught.value.message


def test_float_and_bool_amounts_are_refused() -> None:
    with pytest.raises(QrisError):
        to_dynamic(EWALLET, 1.5)  # type: ignore[arg-type]
    with pytest.raises(QrisError):
        to_dynamic(EWALLET, True)


def _without(tag: str) -> str:
    return signed(*[(t, v) for t, v in top_level(EWALLET)[:-1] if t != tag])


def _replaced(tag: str, value: str) -> str:
    return signed(*[(t, value if t == tag else v) for t, v in top_level(EWALLET)[:-1]])


MALFORMED = [
    pytest.param(
        EWALLET[:-4] + ("0000" if EWALLET[-4:] != "0000" else "1111"), "crc", "CRC tidak cocok", id="bad-crc"
    ),
    pytest.param(EWALLET[:60], "truncated", "terpotong", id="truncated"),
    pytest.param(EWALLET[:-8], "missing_tag", "tag 63", id="no-crc"),
    pytest.param(_without("58"), "missing_tag", "kode negara (tag 58)", id="missing-58"),
    pytest.param(_replaced("58", "SG"), "format", "harus ID", id="wrong-58"),
    pytest.param(_without("59"), "missing_tag", "nama merchant (tag 59)", id="missing-59"),
    pytest.param(_replaced("59", "   "), "missing_tag", "nama merchant (tag 59)", id="blank-59"),
    pytest.param(_without("53"), "missing_tag", "mata uang (tag 53)", id="missing-53"),
    pytest.param(_replaced("53", "702"), "format", "360", id="wrong-53"),
    pytest.param(_without("00"), "missing_tag", "tag 00", id="missing-00"),
    pytest.param(_replaced("00", "02"), "format", "000201", id="wrong-00"),
    pytest.param(_replaced("01", "13"), "format", "tag 01", id="bad-initiation"),
    pytest.param(
        signed(*[(t, v) for t, v in top_level(EWALLET)[:-1] if t not in {"26", "51"}]),
        "missing_tag",
        "akun merchant",
        id="no-merchant-account",
    ),
    pytest.param("000201010211" + "59X5WARUNG", "length", "panjang tag 59", id="non-numeric-length"),
    pytest.param("0002010102115A04TOKO", "format", "tag pada posisi 13", id="non-numeric-tag"),
    pytest.param("", "empty", "kosong", id="empty"),
    pytest.param("  \n\t ", "empty", "kosong", id="whitespace"),
    pytest.param(tlv(("00", "01"), ("63", "ABCD"), ("59", "X")), "crc", "terakhir", id="crc-not-last"),
    pytest.param(EWALLET[:-8] + "6305ABCDE", "crc", "terakhir", id="crc-wrong-length"),
    pytest.param(
        signed(*top_level(EWALLET)[:-1], ("59", "LAGI")), "format", "lebih dari sekali", id="duplicate"
    ),
]


@pytest.mark.parametrize(("payload", "code", "fragment"), MALFORMED)
def test_malformed_inputs_are_rejected_with_a_message(payload: str, code: str, fragment: str) -> None:
    with pytest.raises(QrisError) as caught:
        validate_static(payload)
    error = caught.value
    assert error.code == code, error.message
    assert fragment in error.message
    assert str(error) == error.message
    assert error.message.endswith(".")
    # to_dynamic refuses the same payloads for the same reason.
    with pytest.raises(QrisError) as again:
        to_dynamic(payload, 1000)
    assert again.value.code == code


def test_bad_crc_message_names_both_values() -> None:
    broken = EWALLET[:-4] + "0000"
    with pytest.raises(QrisError) as caught:
        validate_static(broken)
    assert caught.value.message == (
        f"Kode QRIS rusak: CRC tidak cocok (tertulis 0000, seharusnya {EWALLET[-4:]}). "
        "Pastikan seluruh teks QRIS tersalin."
    )
    assert caught.value.tag == "63"


def test_truncated_message_says_how_much_is_missing() -> None:
    with pytest.raises(QrisError) as caught:
        parse("00020101021159" + "20WARUNG")
    assert caught.value.message.startswith("Kode QRIS terpotong: tag 59 seharusnya berisi 20 karakter")


def test_demo_static_is_valid_and_fictional() -> None:
    payload = make_demo_static(
        "Koperasi Desa Lok Baintan Sejahtera", "Kabupaten Banjar", "70652", "ID9999000000001"
    )
    info = validate_static(payload)
    assert info.merchant_name == "Koperasi Desa Lok Baintan"  # cut to 25 characters
    assert info.merchant_city == "Kabupaten Banja"  # cut to 15 characters
    assert info.nmid == "ID9999000000001"
    assert info.point_of_initiation == "11"
    assert "ID.PASARDESA.DEMO" in payload
    assert crc_ok(payload)


@pytest.mark.parametrize(
    ("name", "city", "postal", "nmid"),
    [
        ("", "Banjar", "70652", "ID1"),
        ("K", " ", "70652", "ID1"),
        ("K", "B", "7065", "ID1"),
        ("K", "B", "70652", "X1"),
    ],
)
def test_demo_static_rejects_bad_input(name: str, city: str, postal: str, nmid: str) -> None:
    with pytest.raises(ValueError, match="must"):
        make_demo_static(name, city, postal, nmid)


names = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=25).filter(
    lambda s: s.strip() != ""
)
amounts = st.integers(min_value=1, max_value=9_999_999_999_999)
bills = st.none() | st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=25
)


@given(name=names, amount=amounts, bill=bills)
def test_round_trip_property(name: str, amount: int, bill: str | None) -> None:
    static = make_demo_static(name, "Banjar", "70652", "ID1020000000001")
    dynamic = to_dynamic(static, amount, bill_number=bill)
    assert crc_ok(dynamic)
    info = validate_static(dynamic)
    assert info.merchant_name == name.strip()
    assert info.point_of_initiation == "12"
    fields = dict(top_level(dynamic))
    assert fields["54"] == str(amount)
    if bill is not None:
        assert dict(top_level(fields["62"]))["01"] == bill
    assert to_dynamic(dynamic, amount, bill_number=bill) == dynamic


def test_qr_svg() -> None:
    svg = qr_svg(to_dynamic(EWALLET, 18500))
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg
    assert 'class="qris"' in svg
    assert "viewBox=" in svg
    assert 'width="' in svg
    assert 'aria-label="Kode QRIS"' in svg
    assert 'aria-label="Bayar &amp; selesai"' in qr_svg("0002010102", label="Bayar & selesai")
