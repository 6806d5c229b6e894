"""Realistic synthetic Indonesian village-shop products, for benchmarks and load tests."""

# ruff: noqa: E501  (the product table reads best one kind per line)
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from search.documents import SearchDocument


@dataclass(frozen=True, slots=True)
class ProductKind:
    name: str
    category: str
    aliases: tuple[str, ...]
    units: tuple[str, ...]
    sizes: tuple[str, ...]
    price: tuple[int, int]  # rupiah, low and high


PRODUCT_KINDS: tuple[ProductKind, ...] = (
    ProductKind("Beras", "Sembako", ("baras",), ("karung", "kg", "liter"), ("1 kg", "5 kg", "10 kg", "25 kg"), (14000, 380000)),
    ProductKind("Beras ketan", "Sembako", ("pulut",), ("kg",), ("1 kg", "2 kg"), (18000, 45000)),
    ProductKind("Minyak goreng", "Sembako", ("migor",), ("pouch", "botol", "jeriken"), ("1 liter", "2 liter", "5 liter"), (15700, 95000)),
    ProductKind("Minyak kelapa", "Sembako", ("minyak lalaan",), ("botol",), ("500 ml", "1 liter"), (18000, 42000)),
    ProductKind("Gula pasir", "Sembako", ("gula putih",), ("kg", "pak"), ("500 g", "1 kg", "2 kg"), (9000, 36000)),
    ProductKind("Gula merah", "Sembako", ("gula habang", "gula aren"), ("kg", "biji"), ("250 g", "500 g", "1 kg"), (4000, 30000)),
    ProductKind("Telur ayam", "Sembako", ("telor", "hintalu"), ("kg", "tray", "butir"), ("1 kg", "1 tray", "10 butir"), (2500, 60000)),
    ProductKind("Telur itik", "Sembako", ("hintalu itik", "telur bebek"), ("butir", "tray"), ("1 butir", "10 butir"), (3000, 32000)),
    ProductKind("Tepung terigu", "Sembako", ("terigu",), ("kg", "pak"), ("500 g", "1 kg"), (7000, 15000)),
    ProductKind("Tepung beras", "Sembako", (), ("pak",), ("250 g", "500 g"), (5000, 10000)),
    ProductKind("Garam beryodium", "Sembako", ("garam",), ("pak",), ("250 g", "500 g"), (3000, 7000)),
    ProductKind("Kecap manis", "Sembako", ("kecap",), ("botol", "pouch"), ("135 ml", "275 ml", "520 ml"), (6000, 24000)),
    ProductKind("Mi instan goreng", "Sembako", ("mie instan", "indomie"), ("bungkus", "dus"), ("1 bungkus", "isi 40"), (3000, 125000)),
    ProductKind("Mi instan kuah", "Sembako", ("mie instan",), ("bungkus", "dus"), ("1 bungkus", "isi 40"), (3000, 120000)),
    ProductKind("LPG", "Sembako", ("elpiji", "gas melon"), ("tabung",), ("3 kg", "5,5 kg", "12 kg"), (18500, 215000)),
    ProductKind("Kacang hijau", "Sembako", (), ("pak", "kg"), ("250 g", "500 g", "1 kg"), (8000, 30000)),
    ProductKind("Terasi udang", "Sembako", ("acan", "belacan"), ("pak",), ("50 g", "100 g", "250 g"), (4000, 20000)),
    ProductKind("Kopi bubuk robusta", "Minuman", ("kupi",), ("pak", "kg"), ("100 g", "250 g", "1 kg"), (12000, 110000)),
    ProductKind("Teh celup", "Minuman", ("teh",), ("kotak",), ("isi 25", "isi 50"), (6000, 14000)),
    ProductKind("Air mineral", "Minuman", ("aqua",), ("botol", "dus", "galon"), ("600 ml", "1,5 liter", "19 liter"), (3000, 48000)),
    ProductKind("Madu kelulut", "Minuman", ("madu kalulut", "madu trigona"), ("botol",), ("80 ml", "250 ml", "500 ml"), (45000, 220000)),
    ProductKind("Sirup cocopandan", "Minuman", ("sirup",), ("botol",), ("460 ml", "620 ml"), (13000, 22000)),
    ProductKind("Susu kental manis", "Minuman", ("skm",), ("kaleng", "pouch"), ("370 g", "545 g"), (10000, 16000)),
    ProductKind("Bawang merah", "Sayur & Buah", ("bawang",), ("kg", "ikat"), ("250 g", "500 g", "1 kg"), (9000, 45000)),
    ProductKind("Bawang putih", "Sayur & Buah", ("bawang",), ("kg",), ("250 g", "500 g", "1 kg"), (9000, 42000)),
    ProductKind("Cabai rawit", "Sayur & Buah", ("cabe rawit", "lombok"), ("kg", "ons"), ("100 g", "250 g", "1 kg"), (6000, 80000)),
    ProductKind("Tomat", "Sayur & Buah", (), ("kg",), ("500 g", "1 kg"), (5000, 18000)),
    ProductKind("Kangkung", "Sayur & Buah", (), ("ikat",), ("1 ikat",), (3000, 6000)),
    ProductKind("Bayam", "Sayur & Buah", (), ("ikat",), ("1 ikat",), (3000, 6000)),
    ProductKind("Jeruk siam", "Sayur & Buah", ("limau",), ("kg", "keranjang"), ("1 kg", "5 kg"), (12000, 70000)),
    ProductKind("Pisang kepok", "Sayur & Buah", ("pisang",), ("sisir",), ("1 sisir",), (10000, 25000)),
    ProductKind("Kelapa tua", "Sayur & Buah", ("nyiur",), ("butir",), ("1 butir",), (6000, 12000)),
    ProductKind("Singkong", "Sayur & Buah", ("ubi kayu", "gumbili"), ("kg",), ("1 kg", "3 kg"), (4000, 15000)),
    ProductKind("Ikan haruan", "Ikan & Daging", ("ikan gabus",), ("kg",), ("500 g", "1 kg"), (30000, 65000)),
    ProductKind("Ikan patin", "Ikan & Daging", (), ("kg",), ("1 kg",), (25000, 35000)),
    ProductKind("Ikan nila", "Ikan & Daging", (), ("kg",), ("1 kg",), (30000, 40000)),
    ProductKind("Ikan asin", "Ikan & Daging", ("iwak karing", "ikan kering"), ("pak",), ("100 g", "250 g", "500 g"), (15000, 45000)),
    ProductKind("Udang galah", "Ikan & Daging", ("udang sungai",), ("kg",), ("500 g", "1 kg"), (70000, 150000)),
    ProductKind("Daging ayam", "Ikan & Daging", ("ayam potong", "hayam"), ("kg", "ekor"), ("1 kg", "1 ekor"), (35000, 70000)),
    ProductKind("Daging sapi", "Ikan & Daging", (), ("kg",), ("500 g", "1 kg"), (70000, 150000)),
    ProductKind("Kerupuk haruan", "Makanan Olahan", ("kerupuk gabus",), ("pak",), ("100 g", "200 g", "1 kg"), (11000, 95000)),
    ProductKind("Amplang tenggiri", "Makanan Olahan", ("kerupuk amplang",), ("pak", "toples"), ("100 g", "250 g", "500 g"), (13000, 65000)),
    ProductKind("Dodol", "Makanan Olahan", (), ("pak", "kotak"), ("250 g", "1 kg"), (15000, 60000)),
    ProductKind("Keripik pisang", "Makanan Olahan", (), ("pak",), ("200 g", "500 g"), (12000, 30000)),
    ProductKind("Abon ikan", "Makanan Olahan", ("rabuk",), ("pak",), ("100 g", "250 g"), (30000, 80000)),
    ProductKind("Kue bingka", "Makanan Olahan", ("wadai bingka",), ("loyang",), ("1 loyang",), (40000, 60000)),
    ProductKind("Sambal terasi", "Makanan Olahan", ("sambal acan",), ("botol",), ("150 ml", "250 ml"), (15000, 30000)),
    ProductKind("Kain sasirangan", "Kerajinan", ("batik banjar",), ("lembar",), ("2 m",), (100000, 550000)),
    ProductKind("Tas purun", "Kerajinan", ("tas anyaman",), ("buah",), ("kecil", "besar"), (20000, 60000)),
    ProductKind("Tikar purun", "Kerajinan", ("tikar",), ("lembar",), ("1,5 x 2 m", "2 x 3 m"), (50000, 120000)),
    ProductKind("Topi purun", "Kerajinan", (), ("buah",), ("dewasa", "anak"), (20000, 35000)),
    ProductKind("Sabun cuci piring", "Kebutuhan Rumah Tangga", ("sunlight",), ("pouch", "botol"), ("400 ml", "780 ml"), (7000, 16000)),
    ProductKind("Deterjen bubuk", "Kebutuhan Rumah Tangga", ("rinso", "sabun cuci"), ("pak",), ("770 g", "1,8 kg"), (18000, 45000)),
    ProductKind("Sabun mandi", "Kebutuhan Rumah Tangga", ("sabun",), ("batang", "pak"), ("isi 3", "isi 4"), (9000, 16000)),
    ProductKind("Pasta gigi", "Kebutuhan Rumah Tangga", ("odol",), ("tube",), ("75 g", "190 g"), (6000, 16000)),
    ProductKind("Pupuk urea", "Kebutuhan Rumah Tangga", ("urea",), ("karung",), ("50 kg",), (90000, 120000)),
    ProductKind("Pupuk NPK", "Kebutuhan Rumah Tangga", ("phonska",), ("karung",), ("50 kg",), (92000, 125000)),
    ProductKind("Obat nyamuk bakar", "Kebutuhan Rumah Tangga", (), ("kotak",), ("isi 10",), (5000, 9000)),
    ProductKind("Antar belanja", "Jasa", ("kurir desa",), ("kali antar",), ("dalam desa", "ke kota"), (5000, 20000)),
    ProductKind("Giling padi", "Jasa", ("penggilingan",), ("kg",), ("per kg gabah",), (400, 800)),
)

QUALITIES = ("premium", "medium", "lokal", "curah", "kemasan", "asli", "segar", "pilihan", "super", "murni")
ORIGINS = (
    "Banjar", "Martapura", "Kandangan", "Barabai", "Amuntai", "Pelaihari", "Rantau", "Tanjung",
    "Kotabaru", "Batulicin", "Marabahan", "Paringin", "Loksado", "Nagara", "Tabanio", "Takisung",
)
PRODUCER_FORMS = ("UD", "CV", "Kelompok Tani", "KUB", "Toko", "Warung", "Pokdakan", "Koperasi Wanita")
PRODUCER_NAMES = (
    "Sumber Rejeki", "Maju Jaya", "Berkah Abadi", "Sinar Harapan", "Karya Bersama", "Tani Makmur",
    "Mina Sejahtera", "Galuh Banjar", "Bahagia", "Mekar Sari", "Usaha Mandiri", "Amanah",
    "Sari Rasa", "Cahaya Baru", "Barokah", "Harapan Kita", "Putri Kembang", "Sungai Biru",
)
VILLAGES = (
    "lok-baintan", "telaga-bidadari", "tabanio", "sungai-tabuk", "pulau-sewangi", "tambak-sirang",
    "karang-intan", "mandiangin", "sungai-rangas", "batu-ampar", "tatah-makmur", "pasar-lama",
    "muara-halayung", "haratai", "malinau", "kuala-tambangan", "takisung", "gunung-makmur",
    "sungai-pinang", "pagat", "lok-tamu", "awang-besar", "simpang-empat", "sungai-danau",
)
DESCRIPTIONS = (
    "{name} dari {origin}, dipilih langsung oleh pengurus koperasi.",
    "{name} kualitas {quality}, cocok untuk kebutuhan dapur keluarga.",
    "Produk {producer} asal {origin}; stok diperbarui setiap pekan.",
    "{name} dikemas rapi, harga sesuai pasar desa.",
    "Hasil panen dan olahan warga {origin}, dijual lewat koperasi desa.",
)


def cooperative_slugs(count: int) -> list[str]:
    """Distinct village-style cooperative slugs: the real-sounding names first, then numbered ones."""
    slugs = list(VILLAGES[:count])
    number = 2
    while len(slugs) < count:
        slugs.extend(f"{village}-{number}" for village in VILLAGES[: count - len(slugs)])
        number += 1
    return slugs


def generate_documents(
    count: int,
    cooperatives: list[str],
    *,
    seed: int = 0,
    start_id: int = 1,
    created_from: int = 1_700_000_000,
) -> Iterator[SearchDocument]:
    """count products spread over the cooperatives, the same for the same seed."""
    rng = random.Random(seed)
    producers = {
        slug: [f"{rng.choice(PRODUCER_FORMS)} {rng.choice(PRODUCER_NAMES)}" for _ in range(8)]
        for slug in cooperatives
    }
    for offset in range(count):
        kind = rng.choice(PRODUCT_KINDS)
        cooperative = cooperatives[offset % len(cooperatives)]
        quality = rng.choice(QUALITIES)
        origin = rng.choice(ORIGINS)
        size = rng.choice(kind.sizes)
        name = f"{kind.name} {quality} {size}" if rng.random() < 0.6 else f"{kind.name} {origin} {size}"
        producer = rng.choice(producers[cooperative])
        low, high = kind.price
        description = rng.choice(DESCRIPTIONS).format(
            name=kind.name, origin=origin, quality=quality, producer=producer
        )
        yield SearchDocument(
            id=start_id + offset,
            cooperative=cooperative,
            name=name,
            aliases=list(kind.aliases),
            category=kind.category,
            producer=producer,
            description=description,
            unit=rng.choice(kind.units),
            price=rng.randrange(low, high + 1, 100) if high > low else low,
            in_stock=rng.random() > 0.1,
            created_at=created_from + offset * 60,
            popularity=rng.randrange(0, 1000),
        )
