"""A producer's new listing from the form to the shelf: a photo on the first form, one main button, a
message that says what review means, and staff told on approval that goods must be received first."""

from __future__ import annotations

import io
import itertools
import re

from PIL import Image
from sqlalchemy import func, select

from app.storage import open_media_store
from catalog.models import Product
from producers.models import ProductPhoto
from producers.services import photos
from producers.services.listings import SUBMITTED_MESSAGE
from tests.conftest import Stack
from tests.integration.producers.test_producers import PRODUCER_A, STAFF_LOK, decide, jpeg, signed_in
from tests.support import data

_names = itertools.count(1)


def _fields(token: str, name: str, aksi: str) -> dict[str, str]:
    return {
        "_csrf_token": token,
        "name": name,
        "category": "makanan-olahan",
        "unit": "bungkus",
        "pack_size": "250 gram",
        "producer_price": "9.000",
        "description": "Wadai khas Banjar",
        "aksi": aksi,
    }


def _primary_buttons(html: str) -> int:
    return len(re.findall(r'class="btn-primary[ "]', html))


async def test_a_new_listing_takes_its_photo_on_the_first_form(stack: Stack) -> None:
    name = f"Bingka uji foto {stack.backend} {next(_names)}"
    async with signed_in(stack, PRODUCER_A) as producer:
        form = await producer.get("/produsen/produk/baru")
        assert 'enctype="multipart/form-data"' in form.text and 'type="file" name="photo"' in form.text
        assert _primary_buttons(form.text) == 1

        token = await data.csrf_token(producer, "/produsen/produk/baru")
        created = await producer.post(
            "/produsen/produk",
            data=_fields(token, name, "ajukan"),
            files={"photo": ("bingka.jpg", jpeg(), "image/jpeg")},
        )
        assert created.status_code == 303, created.text
        page = await producer.get(created.headers["location"])
        assert SUBMITTED_MESSAGE in page.text
        key = re.search(r"/media/produk/([A-Za-z0-9_\-]+)-sm\.webp", page.text)
        assert key, "the photo chosen on the new listing form is kept"
        card = await producer.get(f"/media/produk/{key.group(1)}-xs.webp")
        fallback = await producer.get(f"/media/produk/{key.group(1)}-xs.jpg")
        assert (card.status_code, card.headers["content-type"]) == (200, "image/webp")
        assert (fallback.status_code, fallback.headers["content-type"]) == (200, "image/jpeg")


async def test_a_bad_photo_on_a_new_listing_keeps_what_was_typed_and_creates_nothing(stack: Stack) -> None:
    name = f"Amparan tatak uji {stack.backend} {next(_names)}"
    async with signed_in(stack, PRODUCER_A) as producer:
        token = await data.csrf_token(producer, "/produsen/produk/baru")
        refused = await producer.post(
            "/produsen/produk",
            data=_fields(token, name, "ajukan"),
            files={"photo": ("wadai.jpg", b"bukan gambar sama sekali" * 20, "image/jpeg")},
        )
        assert refused.status_code == 422
        assert "bukan foto" in refused.text and f'value="{name}"' in refused.text
        assert 'aria-invalid="true" aria-describedby="err-photo"' in refused.text
    async with stack.db.session() as session:
        assert await session.scalar(select(func.count()).where(Product.name == name)) == 0


async def test_submitting_for_review_says_what_happens_next(stack: Stack) -> None:
    async with signed_in(stack, PRODUCER_A) as producer:
        token = await data.csrf_token(producer, "/produsen/produk/baru")
        draft = await producer.post(
            "/produsen/produk", data=_fields(token, f"Kue cincin uji {stack.backend} {next(_names)}", "simpan")
        )
        assert draft.status_code == 303
        path = draft.headers["location"]
        edit = await producer.get(path)
        assert "Draf disimpan." in edit.text and _primary_buttons(edit.text) == 1

        fields = _fields(token, f"Kue cincin uji {stack.backend} {next(_names)}", "ajukan")
        sent = await producer.post(path, data=fields)
        assert sent.status_code == 303
        page = await producer.get(sent.headers["location"])
        assert SUBMITTED_MESSAGE in page.text and "Perubahan disimpan." not in page.text


async def test_approval_without_stock_tells_staff_to_receive_the_goods_first(stack: Stack) -> None:
    name = f"Dodol kandangan uji {stack.backend} {next(_names)}"
    async with signed_in(stack, PRODUCER_A) as producer, signed_in(stack, STAFF_LOK) as staff:
        token = await data.csrf_token(producer, "/produsen/produk/baru")
        created = await producer.post("/produsen/produk", data=_fields(token, name, "ajukan"))
        product_id = int(created.headers["location"].rsplit("/", 1)[1])
        receive = f"/staf/lok-baintan/stok/terima?produk={product_id}"
        before = await staff.get(f"/staf/lok-baintan/tinjauan/{product_id}")
        assert "Stok di koperasi: 0" in before.text and receive in before.text

        approved = await decide(staff, product_id, action="approved", margin_percent="20")
        assert approved.status_code == 303
        queue = await staff.get(approved.headers["location"])
        assert f"{name} disetujui. Stoknya di koperasi masih 0" in queue.text
        awaiting = queue.text.split('id="awaiting-goods"', 1)[1]
        assert name in awaiting and receive in awaiting
        assert receive in (await staff.get(f"/staf/lok-baintan/tinjauan/{product_id}")).text

        mine = await producer.get(f"/produsen/produk/{product_id}")
        assert "Stok di koperasi: 0" in mine.text and "Stok habis" in mine.text

        async with stack.client() as guest:
            await data.wait_until_findable(guest, "lok-baintan", name, product_id)
            shop = await guest.get("/k/lok-baintan", params={"q": name})
            card = shop.text.split(f'href="/k/lok-baintan/produk/{product_id}"', 1)[1].split("</li>", 1)[0]
            assert "Stok habis" in card and 'name="product_id"' not in card

        sheet = await staff.get(receive)
        assert name in sheet.text
        token = await data.csrf_token(staff, receive)
        received = await staff.post(
            "/staf/lok-baintan/stok/terima", data={"_csrf_token": token, f"qty-{product_id}": "5"}
        )
        assert received.status_code == 303
        queue = await staff.get("/staf/lok-baintan/tinjauan")
        assert f"produk={product_id}" not in queue.text
        assert "Stok di koperasi: 0" not in (await producer.get(f"/produsen/produk/{product_id}")).text


async def test_a_photo_from_before_cards_had_pictures_gets_them_when_first_asked(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=2, name=f"Foto lama uji {stack.backend}")
    media = open_media_store(stack.settings)
    thumbs = photos.make_thumbnails(jpeg())
    key = f"lama{stack.backend}{next(_names)}xxxxxxxx"
    for variant in ("md.webp", "sm.webp"):  # what uploads stored before the shop cards showed photos
        await media.put(photos.photo_name(key, variant), thumbs.files[variant], "image/webp")
    async with stack.db.session(write=True) as session:
        session.add(
            ProductPhoto(
                product_id=product.id,
                cooperative_id=product.cooperative_id,
                key=key,
                width=900,
                height=600,
                size_bytes=1,
                position=0,
            )
        )
        await session.commit()
    async with stack.client() as guest:
        fallback = await guest.get(f"/media/produk/{key}-xs.jpg")
        assert (fallback.status_code, fallback.headers["content-type"]) == (200, "image/jpeg")
        assert Image.open(io.BytesIO(fallback.content)).size == photos.CARD_BOX
        assert await media.get(photos.photo_name(key, "xs.webp")) is not None
        assert (await guest.get(f"/media/produk/{key}-xs.gif")).status_code == 404
