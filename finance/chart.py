"""The default chart of accounts of a consumer cooperative (SAK EP based names) and which code each event uses."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class Kind(StrEnum):
    ASSET = "aset"
    LIABILITY = "kewajiban"
    EQUITY = "ekuitas"
    REVENUE = "pendapatan"
    EXPENSE = "beban"


KAS = "1101"
BANK = "1102"
PIUTANG = "1103"
PERSEDIAAN = "1104"
PERSEDIAAN_DIPESAN = "1105"
UTANG_PRODUSEN = "2101"
TITIPAN_PRODUSEN = "2102"
SIMPANAN_SUKARELA = "2103"
SHU_BELUM_DIBAYAR = "2104"
DANA_PENGURUS = "2105"
DANA_KARYAWAN = "2106"
DANA_PENDIDIKAN = "2107"
DANA_SOSIAL = "2108"
PINJAMAN = "2201"
SIMPANAN_POKOK = "3101"
SIMPANAN_WAJIB = "3102"
CADANGAN = "3201"
SHU_TAHUN_BERJALAN = "3301"
PENJUALAN = "4101"
RETUR_PENJUALAN = "4102"
ONGKOS_KIRIM = "4103"
PENDAPATAN_LAIN = "4201"
HPP = "5101"
BEBAN_SELISIH_KAS = "6106"
BEBAN_LAIN = "6199"
BEBAN_BUNGA = "6201"

# code, name, kind — in the order statements list them.
DEFAULT_CHART: tuple[tuple[str, str, Kind], ...] = (
    (KAS, N_("Kas"), Kind.ASSET),
    (BANK, N_("Bank (transfer dan QRIS)"), Kind.ASSET),
    (PIUTANG, N_("Piutang usaha"), Kind.ASSET),
    (PERSEDIAAN, N_("Persediaan barang dagangan"), Kind.ASSET),
    (PERSEDIAAN_DIPESAN, N_("Persediaan dalam pesanan"), Kind.ASSET),
    (UTANG_PRODUSEN, N_("Utang usaha kepada produsen"), Kind.LIABILITY),
    (TITIPAN_PRODUSEN, N_("Titipan barang konsinyasi produsen"), Kind.LIABILITY),
    (SIMPANAN_SUKARELA, N_("Simpanan sukarela anggota"), Kind.LIABILITY),
    (SHU_BELUM_DIBAYAR, N_("SHU bagian anggota belum dibayar"), Kind.LIABILITY),
    (DANA_PENGURUS, N_("Dana pengurus dan pengawas"), Kind.LIABILITY),
    (DANA_KARYAWAN, N_("Dana karyawan"), Kind.LIABILITY),
    (DANA_PENDIDIKAN, N_("Dana pendidikan"), Kind.LIABILITY),
    (DANA_SOSIAL, N_("Dana sosial"), Kind.LIABILITY),
    (PINJAMAN, N_("Pinjaman modal"), Kind.LIABILITY),
    (SIMPANAN_POKOK, N_("Simpanan pokok"), Kind.EQUITY),
    (SIMPANAN_WAJIB, N_("Simpanan wajib"), Kind.EQUITY),
    (CADANGAN, N_("Cadangan"), Kind.EQUITY),
    (SHU_TAHUN_BERJALAN, N_("SHU tahun berjalan"), Kind.EQUITY),
    (PENJUALAN, N_("Penjualan"), Kind.REVENUE),
    (RETUR_PENJUALAN, N_("Retur penjualan"), Kind.REVENUE),
    (ONGKOS_KIRIM, N_("Pendapatan ongkos kirim"), Kind.REVENUE),
    (PENDAPATAN_LAIN, N_("Pendapatan lain-lain"), Kind.REVENUE),
    (HPP, N_("Harga pokok penjualan"), Kind.EXPENSE),
    ("6101", N_("Beban gaji dan honor"), Kind.EXPENSE),
    ("6102", N_("Beban listrik, air dan telepon"), Kind.EXPENSE),
    ("6103", N_("Beban sewa"), Kind.EXPENSE),
    ("6104", N_("Beban transportasi"), Kind.EXPENSE),
    ("6105", N_("Beban perlengkapan dan ATK"), Kind.EXPENSE),
    (BEBAN_SELISIH_KAS, N_("Beban selisih kas"), Kind.EXPENSE),
    (BEBAN_LAIN, N_("Beban operasional lain-lain"), Kind.EXPENSE),
    (BEBAN_BUNGA, N_("Beban bunga pinjaman"), Kind.EXPENSE),
)
KIND_OF: dict[str, Kind] = {code: kind for code, _, kind in DEFAULT_CHART}
NAME_OF: dict[str, str] = {code: name for code, name, _ in DEFAULT_CHART}

# Expense categories a bendahara picks from, and the account each posts to.
EXPENSE_CATEGORIES: dict[str, tuple[str, str]] = {
    "gaji": ("6101", N_("Gaji dan honor")),
    "listrik": ("6102", N_("Listrik, air dan telepon")),
    "sewa": ("6103", N_("Sewa tempat")),
    "transportasi": ("6104", N_("Transportasi")),
    "perlengkapan": ("6105", N_("Perlengkapan dan ATK")),
    "lain": (BEBAN_LAIN, N_("Lain-lain")),
}
# What other income a bendahara records; all of it posts to pendapatan lain-lain.
OTHER_INCOME_CATEGORIES: dict[str, str] = {
    "sewa": N_("Sewa tempat atau alat"),
    "jasa": N_("Jasa dan komisi"),
    "bunga": N_("Bunga bank"),
    "hibah": N_("Hibah dan sumbangan"),
    "lain": N_("Lain-lain"),
}
SAVINGS_ACCOUNTS: dict[str, str] = {"pokok": SIMPANAN_POKOK, "wajib": SIMPANAN_WAJIB, "sukarela": SIMPANAN_SUKARELA}
SAVINGS_LABELS: dict[str, str] = {
    "pokok": N_("Simpanan pokok"),
    "wajib": N_("Simpanan wajib"),
    "sukarela": N_("Simpanan sukarela"),
}


# Where the bendahara's money goes out from or comes in to: paid_from / received_into on every form.
MONEY_ACCOUNTS: dict[str, str] = {"cash": N_("Kas (tunai)"), "bank": N_("Rekening bank")}


def money_account(method: str) -> str:
    """Cash lands in the till; transfer and QRIS land in the bank account."""
    return KAS if method == "cash" else BANK


def is_debit_normal(code: str) -> bool:
    return KIND_OF.get(code, Kind.EXPENSE) in {Kind.ASSET, Kind.EXPENSE}
