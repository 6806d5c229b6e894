"""Order rules: checkout (stock, idempotency, subsidy rules, delivery fee), status changes, payments, QRIS."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import quote

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser, require_staff
from app.db import flush_or_raise
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, OutOfStock
from app.models import Cooperative, Membership, User
from app.text import InvalidPhone, clean_address, clean_text, is_digits, normalise_phone, rupiah, whatsapp_link
from catalog import services as catalog
from catalog.models import Product
from orders import qris, rules, state
from orders.models import DeliveryZone, Order, OrderEvent, OrderLine, Payment

MAX_LINES = 50
MAX_QUANTITY = 1000
MAX_NAME = 120
MAX_NOTE = 500
MAX_REFERENCE = 120
FULFILMENTS = {"pickup": "Ambil di koperasi", "delivery": "Diantar ke rumah"}
PAYMENT_METHODS = {"cash": "Bayar di tempat (tunai)", "transfer": "Transfer bank", "qris": "QRIS"}
# Letters and digits that cannot be confused when read aloud or over the phone (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
_NUMBER_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")


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
    "idempotency_fingerprint",
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
    name = clean_text(request.name, "name", "Nama", errors, required=True, max_length=MAX_NAME)
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
        errors["payment_method"] = "Pilih cara bayar: bayar di tempat (tunai), transfer bank atau QRIS."
    delivery = fulfilment == "delivery"
    dusun, rt, rw, landmark = clean_address(
        request.dusun, request.rt, request.rw, request.landmark, errors, dusun_required=delivery
    )
    note = clean_text(request.note, "note", "Catatan", errors, required=False, max_length=MAX_NOTE)

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
        raise InvalidInput.of(errors)
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


def check_idempotency_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            "Idempotency-Key harus 8-128 karakter huruf, angka, atau - _ : .",
            field_errors={"idempotency_key": "Format tidak valid."},
        )
    return key


def request_fingerprint(request: CheckoutRequest) -> str:
    """A digest of what an API request asked for: one idempotency key never stands for two orders."""
    body = asdict(request)
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def find_by_idempotency_key(session: AsyncSession, cooperative_id: int, key: str) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.cooperative_id == cooperative_id, Order.idempotency_key == key)
    )


def _replay(order: Order, fingerprint: str | None) -> Order:
    if fingerprint and order.idempotency_fingerprint and fingerprint != order.idempotency_fingerprint:
        raise Conflict(
            "Idempotency-Key ini sudah dipakai untuk pesanan lain dengan isi berbeda. "
            "Buat kunci baru untuk setiap pesanan baru.",
            field_errors={"idempotency_key": "Sudah dipakai untuk pesanan lain."},
        )
    return order


async def active_zones(session: AsyncSession, cooperative_id: int) -> Sequence[DeliveryZone]:
    result = await session.scalars(
        select(DeliveryZone)
        .where(DeliveryZone.cooperative_id == cooperative_id, DeliveryZone.is_active.is_(True))
        .order_by(DeliveryZone.position, DeliveryZone.name)
    )
    return result.all()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def payment_choices(cooperative: Cooperative) -> dict[str, str]:
    """The payment methods this cooperative can take now: transfer needs an account, QRIS a static code."""
    available = {"cash": True, "transfer": cooperative.accepts_transfer, "qris": cooperative.accepts_qris}
    return {method: label for method, label in PAYMENT_METHODS.items() if available[method]}


async def _buyer_facts(session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None) -> rules.Buyer:
    if user is None:
        return rules.Buyer()
    status = await session.scalar(
        select(Membership.status).where(Membership.user_id == user.id, Membership.cooperative_id == cooperative.id)
    )
    nik = await session.scalar(select(User.nik).where(User.id == user.id))
    return rules.Buyer(signed_in=True, membership=status, has_nik=bool(nik))


async def _bought_since(session: AsyncSession, user_id: int, product_id: int, since: datetime.datetime) -> int:
    used = await session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.user_id == user_id,
            OrderLine.product_id == product_id,
            Order.status != state.OrderStatus.CANCELLED,
            Order.created_at >= since,
        )
    )
    return int(used or 0)


async def purchase_refusals(
    session: AsyncSession,
    cooperative: Cooperative,
    user: CurrentUser | None,
    quantities: Mapping[int, int],
    products: Mapping[int, Product],
    *,
    lock: bool = False,
    now: datetime.datetime | None = None,
) -> dict[int, rules.Refusal]:
    """Why each product cannot be bought in that quantity by this buyer (members only, NIK, limits, quota).

    With `lock`, the buyer's account row is locked first, so two checkouts of one member cannot both
    squeeze under the same quota (PostgreSQL; SQLite writers are serialised already).
    """
    ruled = [products[pid] for pid in quantities if pid in products]
    if not ruled:
        return {}
    needs_buyer = any(p.members_only or p.requires_nik or p.quota_qty is not None for p in ruled)
    buyer = await _buyer_facts(session, cooperative, user) if needs_buyer else rules.Buyer(signed_in=user is not None)
    if lock and user is not None and any(p.quota_qty is not None for p in ruled):
        await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    moment = now or datetime.datetime.now(datetime.UTC)
    return_to = quote(f"/k/{cooperative.slug}/keranjang", safe="/")
    refusals: dict[int, rules.Refusal] = {}
    for product in ruled:
        used, window = 0, None
        if product.quota_qty is not None and product.quota_period and user is not None:
            window = rules.quota_window(product.quota_period, moment, cooperative.timezone)
            used = await _bought_since(session, user.id, product.id, window.starts_at)
        refusal = rules.check(
            product,
            quantities[product.id],
            buyer,
            cooperative_name=cooperative.short_name,
            cooperative_slug=cooperative.slug,
            used=used,
            window=window,
            return_to=return_to,
        )
        if refusal is not None:
            refusals[product.id] = refusal
    return refusals


async def place_order(
    session: AsyncSession,
    cooperative: Cooperative,
    request: CheckoutRequest,
    *,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    user: CurrentUser | None = None,
) -> tuple[Order, bool]:
    """Create an order and reserve its stock in one transaction. Returns (order, created).

    Prices and fees come from the database, never from the buyer. The same idempotency key always
    yields the first order, even when the repeats arrive at the same moment; with a `fingerprint`
    (the API), a key reused for a different request is refused instead.
    """
    key = check_idempotency_key(idempotency_key)
    if key and (existing := await find_by_idempotency_key(session, cooperative.id, key)):
        return _replay(existing, fingerprint), False
    valid = validate_checkout(request)
    products = await catalog.products_by_ids(session, cooperative.id, list(valid.quantities))
    errors: dict[str, str] = {}
    for index, product_id in enumerate(valid.quantities):
        if product_id not in products:
            errors[f"lines[{index}].product_id"] = "Produk tidak ditemukan di koperasi ini."
    if valid.payment_method not in payment_choices(cooperative):
        errors["payment_method"] = (
            f"{cooperative.short_name} belum menerima {PAYMENT_METHODS[valid.payment_method]}. Pilih cara bayar lain."
        )
    dusun, delivery_fee = valid.dusun, 0
    if valid.fulfilment == "delivery":
        zones = await active_zones(session, cooperative.id)
        zone = next((z for z in zones if valid.dusun and _same_name(z.name, valid.dusun)), None)
        if not zones:
            errors["fulfilment"] = f"{cooperative.short_name} belum melayani antar. Pilih ambil di koperasi."
        elif zone is None:
            names = ", ".join(z.name for z in zones)
            errors["dusun"] = f"Pilih dusun dari wilayah antar {cooperative.short_name}: {names}."
        else:
            dusun, delivery_fee = zone.name, zone.fee
    for product_id, refusal in (
        await purchase_refusals(session, cooperative, user, valid.quantities, products, lock=True)
    ).items():
        errors[f"product:{product_id}"] = refusal.message
    if errors:
        raise InvalidInput.of(errors)

    ordered = [products[pid] for pid in sorted(valid.quantities)]
    subtotal = sum(p.retail_price * valid.quantities[p.id] for p in ordered)
    order = Order(
        cooperative_id=cooperative.id,
        number=make_order_number(cooperative.order_prefix),
        token=secrets.token_urlsafe(24),
        user_id=user.id if user else None,
        idempotency_key=key,
        idempotency_fingerprint=fingerprint if key else None,
        status=state.OrderStatus.PLACED,
        payment_status=state.PaymentStatus.UNPAID,
        payment_method=valid.payment_method,
        fulfilment=valid.fulfilment,
        customer_name=valid.name,
        customer_phone=valid.phone,
        dusun=dusun,
        rt=valid.rt,
        rw=valid.rw,
        landmark=valid.landmark,
        note=valid.note,
        subtotal=subtotal,
        delivery_fee=delivery_fee,
        total=subtotal + delivery_fee,
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
                return _replay(existing, fingerprint), False
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
    await session.refresh(order, attribute_names=["lines", "events", "payments"])
    return order, True


async def get_order(session: AsyncSession, number: str) -> Order:
    order = await session.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")
    return order


def is_buyer(order: Order, token: str | None, user: CurrentUser | None) -> bool:
    """The buyer holds the order's secret link, or placed it while signed in."""
    if token and secrets.compare_digest(token, order.token):
        return True
    return user is not None and order.user_id is not None and order.user_id == user.id


async def get_order_for_viewer(
    session: AsyncSession, number: str, token: str | None, user: CurrentUser | None
) -> Order:
    """The buyer sees an order through its secret link; staff of its cooperative always can."""
    order = await get_order(session, number[:24])
    if is_buyer(order, token, user) or (user is not None and user.is_staff_of(order.cooperative_id)):
        return order
    # Same answer as an unknown number: a wrong token reveals nothing.
    raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")


async def get_order_for_staff(session: AsyncSession, number: str, user: CurrentUser | None) -> Order:
    """An order for its own cooperative's staff; 404 for anyone else, so numbers leak nothing."""
    order = await get_order(session, number[:24])
    if user is None or not user.is_staff_of(order.cooperative_id):
        raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")
    return order


async def list_orders_for_buyer(session: AsyncSession, user: CurrentUser, *, limit: int = 100) -> Sequence[Order]:
    """The orders a resident placed while signed in, newest first."""
    result = await session.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()).limit(limit))
    return result.all()


def _actor(role: str, user: CurrentUser | None) -> str:
    if role == "buyer":
        return "Pembeli"
    return f"Staf: {user.name}" if user else "Sistem"


async def transition(
    session: AsyncSession,
    order: Order,
    target: str,
    user: CurrentUser | None,
    *,
    role: str,
    note: str | None = None,
) -> Order:
    """Move an order through the state machine; one event row per move; cancel returns the stock.

    The move is one conditional UPDATE (`... WHERE status = <the status we checked>`): of two people
    cancelling at once, one wins and the other is told what happened, so stock is never returned twice.
    """
    if role in {"staff", "admin"} and (user is None or not user.is_staff_of(order.cooperative_id)):
        raise Forbidden("Hanya staf koperasi ini yang bisa mengubah status pesanan.")
    try:
        target_status = state.OrderStatus(target)
    except ValueError:
        raise InvalidInput("Status tujuan tidak dikenal.", field_errors={"to": "Status tidak dikenal."}) from None
    clean_note = _clean(note, "note", "Catatan", MAX_NOTE)
    for _attempt in range(5):
        current = state.OrderStatus(order.status)
        state.check_transition(current, target_status, role, state.Fulfilment(order.fulfilment))
        moved = await session.execute(
            update(Order)
            .where(Order.id == order.id, Order.status == current)
            .values(status=target_status, updated_at=datetime.datetime.now(datetime.UTC))
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            break
        # Someone else moved it first: judge the request again against where the order is now.
        await session.refresh(order, attribute_names=["status"])
    else:
        raise Conflict("Status pesanan sedang diubah orang lain. Muat ulang halaman lalu coba lagi.")
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
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=current,
            to_status=target_status,
            actor_user_id=user.id if user else None,
            actor_label=_actor(role, user),
            note=clean_note,
        )
    )
    await session.flush()
    await session.refresh(order, attribute_names=["status", "updated_at", "events"])
    return order


def _clean(value: str | None, field_name: str, label: str, max_length: int) -> str | None:
    errors: dict[str, str] = {}
    cleaned = clean_text(value, field_name, label, errors, required=False, max_length=max_length)
    if errors:
        raise InvalidInput.of(errors)
    return cleaned


async def record_payment(
    session: AsyncSession,
    order: Order,
    target: str,
    user: CurrentUser | None,
    *,
    method: str | None = None,
    reference: str | None = None,
    note: str | None = None,
) -> Order:
    """Staff confirm a payment (unpaid → paid) or record its refund (paid → refunded).

    One conditional UPDATE decides, and a unique (order, kind) row backs it up: twenty clicks on
    "Lunas" make one confirmation.
    """
    if user is None or not user.is_staff_of(order.cooperative_id):
        raise Forbidden("Hanya staf koperasi ini yang bisa mencatat pembayaran.")
    try:
        target_status = state.PaymentStatus(target)
    except ValueError:
        raise InvalidInput(
            "Status pembayaran tidak dikenal.", field_errors={"status": "Pilih paid atau refunded."}
        ) from None
    paid_with = method or order.payment_method
    if paid_with not in PAYMENT_METHODS:
        raise InvalidInput("Cara bayar tidak dikenal.", field_errors={"method": "Pilih cash, transfer atau qris."})
    clean_reference = _clean(reference, "reference", "Referensi", MAX_REFERENCE)
    clean_note = _clean(note, "note", "Catatan", MAX_NOTE)
    current = state.PaymentStatus(order.payment_status)
    state.check_payment_transition(current, target_status)
    if target_status is state.PaymentStatus.PAID:
        if order.status == state.OrderStatus.CANCELLED:
            raise Conflict("Pesanan ini sudah dibatalkan, jadi tidak bisa ditandai lunas.")
        if paid_with != "cash" and not clean_reference:
            message = "Isi nomor referensi dari aplikasi bank atau dompet digital, supaya pembayaran bisa dilacak."
            raise InvalidInput(message, field_errors={"reference": message})
    moved = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.payment_status == current)
        .values(payment_status=target_status, updated_at=datetime.datetime.now(datetime.UTC))
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(order, attribute_names=["payment_status"])
        state.check_payment_transition(order.payment_status, target_status)
        raise Conflict("Pembayaran pesanan ini baru saja diubah orang lain. Muat ulang halaman.")
    session.add(
        Payment(
            order_id=order.id,
            kind=target_status,
            method=paid_with,
            amount=order.total,
            reference=clean_reference,
            note=clean_note,
            actor_user_id=user.id,
            actor_label=_actor("staff", user),
        )
    )
    await session.flush()
    await session.refresh(order, attribute_names=["payment_status", "updated_at", "payments"])
    return order


@dataclass(frozen=True)
class QrisForOrder:
    payload: str
    amount: int


def qris_for_order(order: Order, cooperative: Cooperative) -> QrisForOrder:
    """The dynamic QRIS for this order's exact total, built from the cooperative's static one."""
    if not cooperative.qris_payload:
        raise NotFound(f"{cooperative.short_name} belum memasang QRIS. Pilih cara bayar lain.")
    if order.status == state.OrderStatus.CANCELLED:
        raise Conflict("Pesanan ini sudah dibatalkan; tidak perlu dibayar.")
    if order.payment_status != state.PaymentStatus.UNPAID:
        raise Conflict("Pesanan ini sudah lunas; jangan dibayar lagi.")
    payload = qris.to_dynamic(cooperative.qris_payload, order.total, bill_number=order.number)
    return QrisForOrder(payload=payload, amount=order.total)


def payment_label(order: Order) -> str:
    if order.payment_method == "cash":
        return (
            "Bayar di tempat (COD) saat barang sampai"
            if order.fulfilment == "delivery"
            else ("Bayar tunai saat mengambil di koperasi")
        )
    return PAYMENT_METHODS.get(order.payment_method, order.payment_method)


def _place(order: Order) -> str:
    parts = [order.dusun, f"RT {order.rt}" if order.rt else "", f"RW {order.rw}" if order.rw else "", order.landmark]
    return ", ".join(x for x in parts if x)


def order_summary_text(order: Order, cooperative: Cooperative) -> str:
    """The WhatsApp message a buyer sends to the cooperative about an order."""
    lines = [
        f"Halo {cooperative.short_name}, saya {order.customer_name} ({order.customer_phone}).",
        f"Pesanan {order.number}:",
    ]
    lines += [f"- {line.quantity} {line.unit} {line.name} = {rupiah(line.line_total)}" for line in order.lines]
    if order.delivery_fee:
        lines.append(f"- Ongkos antar ({order.dusun}) = {rupiah(order.delivery_fee)}")
    lines.append(f"Total: {rupiah(order.total)} ({payment_label(order)})")
    if order.fulfilment == "delivery":
        lines.append(f"Diantar ke: {_place(order)}")
    else:
        lines.append("Diambil di koperasi.")
    return "\n".join(lines)


_STATUS_NEWS = {
    state.OrderStatus.PLACED: "sudah kami terima dan segera kami proses",
    state.OrderStatus.CONFIRMED: "sudah dikonfirmasi dan sedang kami siapkan",
    state.OrderStatus.PACKED: "sudah dikemas",
    state.OrderStatus.READY_FOR_PICKUP: "sudah siap diambil di koperasi",
    state.OrderStatus.OUT_FOR_DELIVERY: "sedang diantar",
    state.OrderStatus.COMPLETED: "sudah selesai. Terima kasih sudah berbelanja di koperasi",
    state.OrderStatus.CANCELLED: "dibatalkan",
}


def status_message_text(order: Order, cooperative: Cooperative, order_url: str | None = None) -> str:
    """What staff tell a buyer about an order, in Bahasa Indonesia: where it is and what is left to pay."""
    status = state.OrderStatus(order.status)
    news = _STATUS_NEWS[status]
    if status is state.OrderStatus.OUT_FOR_DELIVERY and order.dusun:
        news += f" ke {_place(order)}"
    lines = [f"Halo {order.customer_name}, pesanan {order.number} di {cooperative.short_name} {news}."]
    if status is not state.OrderStatus.CANCELLED:
        if order.payment_status == state.PaymentStatus.PAID:
            lines.append(f"Pembayaran {rupiah(order.total)} sudah kami terima.")
        elif order.payment_status == state.PaymentStatus.UNPAID:
            lines.append(f"Total yang dibayar: {rupiah(order.total)} ({payment_label(order)}).")
    elif order.payment_status == state.PaymentStatus.PAID:
        lines.append(f"Uang Anda {rupiah(order.total)} akan kami kembalikan.")
    if order_url:
        lines.append(f"Lihat pesanan: {order_url}")
    return "\n".join(lines)


def buyer_whatsapp_url(order: Order, cooperative: Cooperative) -> str:
    return whatsapp_link(cooperative.whatsapp, order_summary_text(order, cooperative))


def staff_whatsapp_url(order: Order, cooperative: Cooperative, order_url: str | None = None) -> str:
    return whatsapp_link(order.customer_phone, status_message_text(order, cooperative, order_url))


async def set_qris(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None, payload: str, *, demo: bool = False
) -> qris.QrisInfo:
    """Staff paste (or upload) their static QRIS once; it is checked and every order's QR is built from it."""
    require_staff(user, cooperative)
    text = (payload or "").strip()
    if len(text) > 512:
        raise InvalidInput(
            "Kode QRIS terlalu panjang. Tempelkan satu kode QRIS saja.", field_errors={"payload": "Terlalu panjang."}
        )
    try:
        info = qris.validate_static(text)
    except qris.QrisError as exc:
        raise InvalidInput(
            exc.message, field_errors={"payload": exc.message}, qris_error=exc.code, tag=exc.tag
        ) from None
    if info.point_of_initiation == qris.DYNAMIC:
        message = (
            "Ini QRIS dinamis, untuk satu transaksi saja. Tempelkan QRIS statis koperasi "
            "(yang dicetak di stiker atau diunduh dari aplikasi merchant)."
        )
        raise InvalidInput(message, field_errors={"payload": message}, qris_error="not_static", tag="01")
    cooperative.qris_payload = text
    cooperative.qris_merchant_name = info.merchant_name
    cooperative.qris_merchant_city = info.merchant_city
    cooperative.qris_nmid = info.nmid
    cooperative.qris_is_demo = demo
    cooperative.qris_updated_at = datetime.datetime.now(datetime.UTC)
    await session.flush()
    return info


def qris_from_image(data: bytes) -> str:
    """The QRIS text in a photo or screenshot of the cooperative's sticker."""
    try:
        return qris.read_qr_image(data)
    except qris.QrisError as exc:
        raise InvalidInput(exc.message, field_errors={"payload": exc.message}, qris_error=exc.code) from None


@dataclass(frozen=True)
class BankAccount:
    bank_name: str = ""
    account_number: str = ""
    account_name: str = ""


async def set_bank_account(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None, account: BankAccount
) -> None:
    """The account buyers transfer to. All three fields empty switches transfer off."""
    require_staff(user, cooperative)
    errors: dict[str, str] = {}
    bank = clean_text(account.bank_name, "bank_name", "Nama bank", errors, required=False, max_length=80)
    number = re.sub(r"[\s.\-]", "", account.account_number or "")
    holder = clean_text(
        account.account_name, "account_name", "Nama pemilik rekening", errors, required=False, max_length=120
    )
    if any((bank, number, holder)):
        if not bank:
            errors["bank_name"] = "Nama bank wajib diisi."
        if not re.fullmatch(r"\d{5,20}", number):
            errors["account_number"] = "Nomor rekening diisi angka saja (5 sampai 20 angka)."
        if not holder:
            errors["account_name"] = "Nama pemilik rekening wajib diisi, sesuai buku tabungan."
    if errors:
        raise InvalidInput.of(errors)
    cooperative.bank_name, cooperative.bank_account_number, cooperative.bank_account_name = (
        bank,
        number or None,
        holder,
    )
    await session.flush()


async def list_zones(session: AsyncSession, cooperative_id: int) -> Sequence[DeliveryZone]:
    result = await session.scalars(
        select(DeliveryZone)
        .where(DeliveryZone.cooperative_id == cooperative_id)
        .order_by(DeliveryZone.is_active.desc(), DeliveryZone.position, DeliveryZone.name)
    )
    return result.all()


MAX_DELIVERY_FEE = 1_000_000


async def save_zone(
    session: AsyncSession,
    cooperative: Cooperative,
    user: CurrentUser | None,
    *,
    zone_id: int | None,
    name: str,
    fee: str | int,
    active: bool = True,
) -> DeliveryZone:
    """Add a dusun/zone with its delivery fee, or change one. A zone is switched off, never deleted."""
    require_staff(user, cooperative)
    errors: dict[str, str] = {}
    clean = clean_text(name, "name", "Nama dusun/wilayah", errors, required=True, max_length=120)
    text = str(fee).strip().replace(".", "")
    amount = int(text) if is_digits(text) and len(text) <= 9 else -1
    if not 0 <= amount <= MAX_DELIVERY_FEE:
        errors["fee"] = f"Ongkos antar diisi angka rupiah, 0 sampai {rupiah(MAX_DELIVERY_FEE)}."
    if errors:
        raise InvalidInput.of(errors)
    assert clean is not None
    taken = f"Wilayah {clean} sudah ada. Ubah ongkosnya di daftar."
    # Checkout matches names without regard to case or spacing, so two zones may not differ only in those.
    if any(_same_name(z.name, clean) and z.id != zone_id for z in await list_zones(session, cooperative.id)):
        raise InvalidInput(taken, field_errors={"name": taken})
    if zone_id is None:
        zone = DeliveryZone(cooperative_id=cooperative.id, name=clean, fee=amount, is_active=active)
        zone.position = len(await list_zones(session, cooperative.id))
    else:
        found = await session.get(DeliveryZone, zone_id)
        if found is None or found.cooperative_id != cooperative.id:
            raise NotFound("Wilayah antar tidak ditemukan.")
        zone = found
        zone.name, zone.fee, zone.is_active = clean, amount, active
    await flush_or_raise(session, InvalidInput(taken, field_errors={"name": taken}), zone)
    return zone
