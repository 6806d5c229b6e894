"""The bare-framework yardstick: a Litestar app rendering a ~4.7 KB Jinja page of 24 items, nothing else.

Served by the same server software as the project (`uvicorn bench.reference_app:create_app --factory`), so
the ratio project/reference says how much the project adds on top of the framework on this machine.
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><h1>{{ title }}</h1><p>{{ items | length }} produk</p></header>
<main><ul class="grid">
{% for item in items %}<li class="card"><a href="/produk/{{ item.id }}">{{ item.name }}</a>
<span class="price">Rp{{ "{:,}".format(item.price).replace(",", ".") }}</span> / {{ item.unit }}
<small>{{ item.category }}, stok {{ item.stock }}</small><button value="{{ item.id }}">Tambah</button></li>
{% endfor %}</ul></main><footer>Koperasi Desa Merah Putih</footer></body></html>
"""
NAMES = ("Beras medium 5 kg", "Minyak goreng 2 liter", "Gula pasir 1 kg", "Telur ayam 1 kg", "Kopi bubuk 250 g",
         "Ikan asin 250 g", "Kerupuk haruan 200 g", "Amplang tenggiri 250 g")
ITEMS = [
    {
        "id": 1000 + n,
        "name": f"{NAMES[n % len(NAMES)]} ({n + 1})",
        "price": 12_500 + 1_750 * n,
        "unit": "bungkus",
        "category": "Sembako",
        "stock": 40 + n,
    }
    for n in range(24)
]


@get("/", sync_to_thread=False)
def page() -> Template:
    return Template(template_name="page.html", context={"title": "Toko koperasi", "items": ITEMS})


@get("/healthz", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    environment = Environment(loader=DictLoader({"page.html": PAGE}), autoescape=select_autoescape())
    return Litestar(
        route_handlers=[page, health],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
    )
