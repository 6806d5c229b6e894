"""Order rules: the cart, checkout with atomic stock reservation and idempotency, status changes."""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, OutOfStock
from app.models import Cooperative
from app.text import InvalidPhone, normalise_phone, rupiah, whatsapp_link
from catalog import services as catalog
from orders import state
from orders.models import Order, OrderEvent, OrderLine

MAX_LINES = 50
MAX_QUANTITY = 1000
MAX_NAME = 120
MAX_LANDMARK = 200
MAX_NOTE = 500
FULFILMENTS = {"pickup": "Ambil di koperasi", "delivery": "Diantar ke rumah"}
PAYMENT_METHODS = {"cash": "Bayar tunai"}
# Letters and digits that cannot be confused when read aloud or over the phone (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
_NUMBER_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")
_RT_RW = re.compile(r"^\d{1,3}$")
_MARKUP = re.compile(r"[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class LineRequest:
    product_id: object
    quantity: object


@dataclass
class CheckoutRequest:
    """What a buyer asks for, from the form or the API, before any checking."""

    name: object
    phone: object
    fulfilment: object
    payment_method: object = "cash"
    dusun: object = ""
    rt: object = ""
    rw: object = ""
    landmark: object = ""
    note: object = ""
    lines: Sequence[LineRequest] = field(default_factory=list)


@dataclass(frozen=True)
class ValidCheckout:
    name: str
    phone: str
    fulfilment: str
    payment_method: str
    dusun: str | None
    rt: str | None
    rw: str | None
    landmark: str | None
    note: str | None
    quantities: dict[int, int]


_ORDER_INIT_FIELDS = (
    "cooperative_id",
    "token",
    "user_id",
    "idempotency_key",
    "status",
    "payment_status",
    "payment_method",
    "fulfilment",
    "customer_name",
    "customer_phone",
    "dusun",
    "rt",
    "rw",
    "landmark",
    "note",
    "subtotal",
    "delivery_fee",
    "total",
)


def make_order_number(prefix: str, now: datetime.datetime | None = None) -> str:
    """`LBT-261127-K7Q3`: the cooperative, the day, four characters nobody misreads."""
    now = now or datetime.datetime.now(datetime.UTC)
    suffix = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(4))
    return f"{prefix.upper()}-{now:%y%m%d}-{suffix}"


def _text(
    value: object, field_name: str, label: str, errors: dict[str, str], *, required: bool, max_length: int
) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field_name] = f"{label} harus berupa teks."
        return None
    cleaned = _CONTROL.sub("", value).strip()
    if required and not cleaned:
        errors[field_name] = f"{label} wajib diisi."
        return None
    if len(cleaned) > max_length:
        errors[field_name] = f"{label} terlalu panjang (paling banyak {max_length} huruf)."
        return None
    if _MARKUP.search(cleaned):
        errors[field_name] = f"{label} tidak boleh berisi tanda < atau >."
        return None
    return cleaned or None


def _quantity(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        return int(value)
    return None


def validate_checkout(request: CheckoutRequest) -> ValidCheckout:
    """Check everything a buyer typed; one message per field, in Bahasa Indonesia. Changes nothing."""
    errors: dict[str, str] = {}
    name = _text(request.name, "name", "Nama", errors, required=True, max_length=MAX_NAME)
    phone = ""
    if not isinstance(request.phone, str):
        errors["phone"] = "Nomor HP wajib diisi."
    else:
        try:
            phone = normalise_phone(request.phone)
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
    fulfilment = request.fulfilment if isinstance(request.fulfilment, str) else ""
    if fulfilment not in FULFILMENTS:
        errors["fulfilment"] = "Pilih cara menerima pesanan: ambil di koperasi atau diantar."
    payment = request.payment_method if isinstance(request.payment_method, str) else ""
    if payment not in PAYMENT_METHODS:
        errors["payment_method"] = "Cara bayar belum tersedia. Untuk sekarang pilih bayar tunai."
    delivery = fulfilment == "delivery"
    dusun = _text(request.dusun, "dusun", "Dusun", errors, required=delivery, max_length=120)
    landmark = _text(request.landmark, "landmark", "Patokan", errors, required=False, max_length=MAX_LANDMARK)
    rt = _text(request.rt, "rt", "RT", errors, required=False, max_length=3)
    rw = _text(request.rw, "rw", "RW", errors, required=False, max_length=3)
    for key, value in (("rt", rt), ("rw", rw)):
        if value and not _RT_RW.match(value):
            errors[key] = f"{key.upper()} diisi angka saja, misalnya 004."
    note = _text(request.note, "note", "Catatan", errors, required=False, max_length=MAX_NOTE)

    quantities: dict[int, int] = {}
    if not request.lines:
        errors["lines"] = "Keranjang masih kosong. Tambahkan barang dulu."
    elif len(request.lines) > MAX_LINES:
        errors["lines"] = f"Paling banyak {MAX_LINES} jenis barang per pesanan."
    for index, line in enumerate(request.lines[:MAX_LINES]):
        product_id = _quantity(line.product_id)
        if product_id is None or product_id <= 0:
            errors[f"lines[{index}].product_id"] = "Produk tidak dikenal."
            continue
        quantity = _quantity(line.quantity)
        if quantity is None:
            errors[f"lines[{index}].quantity"] = "Jumlah harus berupa angka bulat."
        elif quantity < 1:
            errors[f"lines[{index}].quantity"] = "Jumlah paling sedikit 1."
        elif quantity > MAX_QUANTITY:
            errors[f"lines[{index}].quantity"] = f"Jumlah paling banyak {MAX_QUANTITY} per barang."
        else:
            quantities[product_id] = quantities.get(product_id, 0) + quantity
    if errors:
        raise InvalidInput(_summary(errors), field_errors=errors)
    assert name is not None
    return ValidCheckout(
        name=name,
        phone=phone,
        fulfilment=fulfilment,
        payment_method=payment,
        dusun=dusun if delivery else None,
        rt=rt if delivery else None,
        rw=rw if delivery else None,
        landmark=landmark if delivery else None,
        note=note,
        quantities=quantities,
    )


def _summary(errors: Mapping[str, str]) -> str:
    if len(errors) == 1:
        return next(iter(errors.values()))
    return "Ada beberapa isian yang perlu diperbaiki."


def check_idempotency_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            "Idempotency-Key harus 8-128 karakter huruf, angka, atau - _ : .",
            field_errors={"idempotency_key": "Format tidak valid."},
        )
    return key


async def find_by_idempotency_key(session: AsyncSession, cooperative_id: int, key: str) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.cooperative_id == cooperative_id, Order.idempotency_key == key)
    )


async def place_order(
    session: AsyncSession,
    cooperative: Cooperative,
    request: CheckoutRequest,
    *,
    idempotency_key: str | None = None,
    user: CurrentUser | None = None,
) -> tuple[Order, bool]:
    """Create an order and reserve its stock in one transaction. Returns (order, created).

    Prices come from the database, never from the buyer. The same idempotency key always yields
    the first order, even when the repeats arrive at the same moment.
    """
    key = check_idempotency_key(idempotency_key)
    if key and (existing := await find_by_idempotency_key(session, cooperative.id, key)):
        return existing, False
    valid = validate_checkout(request)
    products = await catalog.products_by_ids(session, cooperative.id, list(valid.quantities))
    errors: dict[str, str] = {}
    for index, (product_id, quantity) in enumerate(valid.quantities.items()):
        product = products.get(product_id)
        if product is None:
            errors[f"lines[{index}].product_id"] = "Produk tidak ditemukan di koperasi ini."
        elif product.max_qty_per_order is not None and quantity > product.max_qty_per_order:
            errors[f"lines[{index}].quantity"] = (
                f"{product.name}: paling banyak {product.max_qty_per_order} {product.unit} per pesanan."
            )
    if errors:
        raise InvalidInput(_summary(errors), field_errors=errors)

    ordered = [products[pid] for pid in sorted(valid.quantities)]
    subtotal = sum(p.retail_price * valid.quantities[p.id] for p in ordered)
    order = Order(
        cooperative_id=cooperative.id,
        number=make_order_number(cooperative.order_prefix),
        token=secrets.token_urlsafe(24),
        user_id=user.id if user else None,
        idempotency_key=key,
        status=state.OrderStatus.PLACED,
        payment_status=state.PaymentStatus.UNPAID,
        payment_method=valid.payment_method,
        fulfilment=valid.fulfilment,
        customer_name=valid.name,
        customer_phone=valid.phone,
        dusun=valid.dusun,
        rt=valid.rt,
        rw=valid.rw,
        landmark=valid.landmark,
        note=valid.note,
        subtotal=subtotal,
        delivery_fee=0,
        total=subtotal,
    )
    cooperative_id, prefix = cooperative.id, cooperative.order_prefix
    for attempt in range(5):
        try:
            # Insert the order first, in a savepoint: a concurrent twin with the same key fails here,
            # before touching stock, and the transaction stays usable to read the twin's order.
            async with session.begin_nested():
                session.add(order)
                await session.flush()
            break
        except IntegrityError:
            if key and (existing := await find_by_idempotency_key(session, cooperative_id, key)):
                return existing, False
            if attempt == 4:
                raise Conflict("Pesanan tidak bisa dibuat, silakan coba lagi.") from None
            # The random part of the order number collided with another order today: draw again.
            order = Order(**{c: getattr(order, c) for c in _ORDER_INIT_FIELDS})
            order.number = make_order_number(prefix)

    # Reserve in product-id order so two orders never wait on each other's rows (PostgreSQL).
    for product in ordered:
        quantity = valid.quantities[product.id]
        if not await catalog.reserve_stock(
            session, product, quantity, order_id=order.id, user_id=user.id if user else None
        ):
            left = await catalog.current_stock(session, product.id)
            message = (
                f"Stok {product.name} habis."
                if left == 0
                else f"Stok {product.name} tinggal {left} {product.unit}. Kurangi jumlahnya."
            )
            raise OutOfStock(
                message, field_errors={f"product:{product.id}": message}, product_id=product.id, available=left
            )
        session.add(
            OrderLine(
                order_id=order.id,
                product_id=product.id,
                producer_id=product.producer_id,
                name=product.name,
                unit=product.unit,
                unit_price=product.retail_price,
                producer_price=product.producer_price,
                quantity=quantity,
                line_total=product.retail_price * quantity,
            )
        )
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=None,
            to_status=state.OrderStatus.PLACED,
            actor_user_id=user.id if user else None,
            actor_label="Pembeli",
        )
    )
    await session.flush()
    await session.refresh(order, attribute_names=["lines", "events"])
    return order, True


async def get_order(session: AsyncSession, number: str) -> Order:
    order = await session.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")
    return order


async def get_order_for_viewer(
    session: AsyncSession, number: str, token: str | None, user: CurrentUser | None
) -> Order:
    """The buyer sees an order through its secret link; staff of its cooperative always can."""
    order = await get_order(session, number[:24])
    if token and secrets.compare_digest(token, order.token):
        return order
    if user is not None and (user.is_staff_of(order.cooperative_id) or order.user_id == user.id):
        return order
    # Same answer as an unknown number: a wrong token reveals nothing.
    raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")


async def list_orders_for_staff(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, *, limit: int = 100
) -> Sequence[Order]:
    if not user.is_staff_of(cooperative.id):
        raise Forbidden("Halaman ini hanya untuk staf koperasi ini.")
    result = await session.scalars(
        select(Order).where(Order.cooperative_id == cooperative.id).order_by(Order.id.desc()).limit(limit)
    )
    return result.all()


async def transition(
    session: AsyncSession,
    order: Order,
    target: str,
    user: CurrentUser | None,
    *,
    role: str,
    note: str | None = None,
) -> Order:
    """Move an order through the state machine; one event row per move; cancel returns the stock."""
    if role in {"staff", "admin"} and (user is None or not user.is_staff_of(order.cooperative_id)):
        raise Forbidden("Hanya staf koperasi ini yang bisa mengubah status pesanan.")
    try:
        target_status = state.OrderStatus(target)
    except ValueError:
        raise InvalidInput("Status tujuan tidak dikenal.", field_errors={"to": "Status tidak dikenal."}) from None
    current = state.OrderStatus(order.status)
    state.check_transition(current, target_status, role, state.Fulfilment(order.fulfilment))
    if state.restocks_on(target_status):
        for line in order.lines:
            if line.product_id is not None:
                await catalog.return_stock(
                    session,
                    line.product_id,
                    order.cooperative_id,
                    line.quantity,
                    order_id=order.id,
                    user_id=user.id if user else None,
                )
    order.status = target_status
    actor = "Pembeli" if role == "buyer" else f"Staf: {user.name}" if user else "Sistem"
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=current,
            to_status=target_status,
            actor_user_id=user.id if user else None,
            actor_label=actor,
            note=note,
        )
    )
    await session.flush()
    await session.refresh(order, attribute_names=["events"])
    return order


def order_summary_text(order: Order, cooperative: Cooperative) -> str:
    """The WhatsApp message a buyer sends to the cooperative about an order."""
    lines = [
        f"Halo {cooperative.short_name}, saya {order.customer_name} ({order.customer_phone}).",
        f"Pesanan {order.number}:",
    ]
    lines += [f"- {line.quantity} {line.unit} {line.name} = {rupiah(line.line_total)}" for line in order.lines]
    lines.append(f"Total: {rupiah(order.total)} ({PAYMENT_METHODS.get(order.payment_method, order.payment_method)})")
    if order.fulfilment == "delivery":
        place = ", ".join(
            x
            for x in [
                order.dusun,
                f"RT {order.rt}" if order.rt else "",
                f"RW {order.rw}" if order.rw else "",
                order.landmark,
            ]
            if x
        )
        lines.append(f"Diantar ke: {place}")
    else:
        lines.append("Diambil di koperasi.")
    return "\n".join(lines)


def buyer_whatsapp_url(order: Order, cooperative: Cooperative) -> str:
    return whatsapp_link(cooperative.whatsapp, order_summary_text(order, cooperative))


def staff_whatsapp_url(order: Order, cooperative: Cooperative) -> str:
    label = state.LABELS.get(state.OrderStatus(order.status), order.status)
    text = (
        f"Halo {order.customer_name}, pesanan {order.number} di {cooperative.short_name} "
        f"sekarang: {label}. Total {rupiah(order.total)}."
    )
    return whatsapp_link(order.customer_phone, text)
