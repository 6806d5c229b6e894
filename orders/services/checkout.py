"""Checkout: the buyer's request checked, idempotency, purchase refusals, and placing the order with its stock."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.auth import CurrentUser
from app.clock import local_today
from app.errors import Conflict, InvalidInput, OutOfStock
from app.forms import parse_address, parse_int, parse_phone, parse_text
from app.i18n import N_, _
from app.models import Cooperative, CooperativeStatus, Membership, User
from catalog import services as catalog
from catalog.models import Product
from orders import rollups, rules, state
from orders.models import Order, OrderEvent, OrderLine
from orders.schemas import AddressIn, OrderCreate
from orders.services.order_limits import OrderLimits, count_order
from orders.services.shop_settings import active_zones, payment_choices, same_zone_name

MAX_LINES = 50
MAX_QUANTITY = 1000
MAX_NAME = 120
MAX_NOTE = 500
# Letters and digits that cannot be confused when read aloud or over the phone (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
_NUMBER_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")


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
    "idempotency_scope",
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


def _number_suffix() -> str:
    return "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(4))


def make_order_number(prefix: str, day: datetime.date) -> str:
    """`LBT-261127-K7Q3`: the cooperative, the day, four characters nobody misreads."""
    return f"{prefix.upper()}-{day:%y%m%d}-{_number_suffix()}"


def order_number_for(cooperative: Cooperative, now: datetime.datetime | None = None) -> str:
    """A new order's number carries the cooperative's own date: 06:08 WITA on the 1st is the 1st, not UTC's 30th."""
    return make_order_number(cooperative.order_prefix, local_today(cooperative, now))


def _quantities(request: OrderCreate, errors: dict[str, str]) -> dict[int, int]:
    quantities: dict[int, int] = {}
    if not request.lines:
        errors["lines"] = _("Keranjang masih kosong. Tambahkan barang dulu.")
    elif len(request.lines) > MAX_LINES:
        errors["lines"] = _("Paling banyak %(n)s jenis barang per pesanan.", n=MAX_LINES)
    for index, line in enumerate(request.lines[:MAX_LINES]):
        if line.product_id <= 0:
            errors[f"lines[{index}].product_id"] = _("Produk tidak dikenal.")
            continue
        quantity = parse_int(line.quantity, f"lines[{index}].quantity", _("Jumlah"), errors, low=1, high=MAX_QUANTITY)
        if quantity is not None:
            quantities[line.product_id] = quantities.get(line.product_id, 0) + quantity
    return quantities


def validate_checkout(request: OrderCreate) -> ValidCheckout:
    """Check everything a buyer typed; one message per field, in Bahasa Indonesia. Changes nothing."""
    errors: dict[str, str] = {}
    name = parse_text(request.customer.name, "name", _("Nama"), errors, required=True, max_length=MAX_NAME)
    phone = parse_phone(request.customer.phone, "phone", errors) or ""
    if request.fulfilment not in state.FULFILMENT_LABELS:
        errors["fulfilment"] = _("Pilih cara menerima pesanan: ambil di koperasi atau diantar.")
    if request.payment_method not in state.PAYMENT_METHOD_LABELS:
        errors["payment_method"] = _("Pilih cara bayar: bayar di tempat (tunai), transfer bank atau QRIS.")
    delivery = request.fulfilment == "delivery"
    address = request.address or AddressIn()
    # A pickup ignores the address block: whatever was left in it (the form keeps it for a change of mind)
    # neither refuses the order nor is stored.
    address_errors: dict[str, str] = {}
    dusun, rt, rw, landmark = parse_address(
        address.dusun, address.rt, address.rw, address.landmark, address_errors, dusun_required=delivery
    )
    if delivery:
        errors.update(address_errors)
    note = parse_text(request.note, "note", _("Catatan"), errors, required=False, max_length=MAX_NOTE)
    quantities = _quantities(request, errors)
    if errors:
        raise InvalidInput.of(errors)
    assert name is not None
    return ValidCheckout(
        name=name,
        phone=phone,
        fulfilment=request.fulfilment,
        payment_method=request.payment_method,
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
            _("Idempotency-Key harus 8-128 karakter huruf, angka, atau - _ : ."),
            field_errors={"idempotency_key": _("Format tidak valid.")},
        )
    return key


def request_fingerprint(request: OrderCreate) -> str:
    """The digest orders placed through the API before fingerprints were canonical were stored with.

    A digest of the flat request as it arrived; still accepted on a replay, so a client retrying such an
    order with the same key and body gets its first order, not a conflict.
    """
    address = request.address or AddressIn()
    body = {
        "name": request.customer.name,
        "phone": request.customer.phone,
        "fulfilment": request.fulfilment,
        "payment_method": request.payment_method,
        "dusun": address.dusun,
        "rt": address.rt,
        "rw": address.rw,
        "landmark": address.landmark,
        "note": request.note or "",
        "lines": [{"product_id": line.product_id, "quantity": line.quantity} for line in request.lines],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def checkout_fingerprint(valid: ValidCheckout) -> str:
    """A digest of what the buyer asked for, after checking: the same order typed twice (another spacing of
    the phone, lines in another order or split) has one fingerprint, any real change another."""
    body = {
        "name": valid.name,
        "phone": valid.phone,
        "fulfilment": valid.fulfilment,
        "payment_method": valid.payment_method,
        "address": [valid.dusun, valid.rt, valid.rw, valid.landmark],
        "note": valid.note,
        "lines": sorted(valid.quantities.items()),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def buyer_scope(user: CurrentUser | None, session_id: str | None, phone: str | None) -> str | None:
    """Whose idempotency keys these are: the signed-in account, else the browser session, else the phone.

    A key only ever finds an order placed by the same buyer; another buyer sending the same key gets
    an order of their own. The session id is kept only as a digest: order rows are not a place for it.
    """
    if user is not None:
        return f"u:{user.id}"
    if session_id:
        return "s:" + hashlib.sha256(session_id.encode()).hexdigest()[:40]
    return f"p:{phone}" if phone else None


class KeyReused(Conflict):
    """The buyer's key already stands for an order with other contents."""

    code = "idempotency_key_reused"


async def find_by_idempotency_key(session: AsyncSession, cooperative_id: int, scope: str, key: str) -> Order | None:
    return await session.scalar(
        select(Order).where(
            Order.cooperative_id == cooperative_id, Order.idempotency_scope == scope, Order.idempotency_key == key
        )
    )


def _replay(order: Order, fingerprints: tuple[str, ...]) -> Order:
    """The buyer's earlier order for this key, if they asked for the same thing; never another order's data."""
    if order.idempotency_fingerprint not in fingerprints:
        raise KeyReused(
            _(
                "Kunci pesanan (Idempotency-Key) ini sudah dipakai untuk pesanan dengan isi berbeda. "
                "Buat kunci baru untuk setiap pesanan baru."
            ),
            field_errors={"idempotency_key": _("Sudah dipakai untuk pesanan dengan isi berbeda.")},
        )
    return order


async def _buyer_facts(session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None) -> rules.Buyer:
    if user is None:
        return rules.Buyer()
    status = await session.scalar(
        select(Membership.status).where(Membership.user_id == user.id, Membership.cooperative_id == cooperative.id)
    )
    nik_hash = await session.scalar(select(User.nik_hash).where(User.id == user.id))
    return rules.Buyer(signed_in=True, membership=status, has_nik=bool(nik_hash))


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


@dataclass(frozen=True)
class _Terms:
    """What the cooperative's own data decides about a valid request: the products, the dusun, the fee."""

    products: dict[int, Product]
    dusun: str | None
    delivery_fee: int


async def _terms(
    session: AsyncSession, cooperative: Cooperative, valid: ValidCheckout, user: CurrentUser | None
) -> _Terms:
    """Check the request against the cooperative (its products, payment methods, zones, purchase rules)."""
    products = await catalog.products_by_ids(session, cooperative.id, list(valid.quantities))
    errors: dict[str, str] = {}
    for index, product_id in enumerate(valid.quantities):
        if product_id not in products:
            errors[f"lines[{index}].product_id"] = _("Produk tidak ditemukan di koperasi ini.")
    if valid.payment_method not in payment_choices(cooperative):
        method = state.payment_method_label(valid.payment_method)
        errors["payment_method"] = _(
            "%(name)s belum menerima %(method)s. Pilih cara bayar lain.", name=cooperative.short_name, method=method
        )
    dusun, delivery_fee = valid.dusun, 0
    if valid.fulfilment == "delivery":
        zones = await active_zones(session, cooperative.id)
        zone = next((z for z in zones if valid.dusun and same_zone_name(z.name, valid.dusun)), None)
        if not zones:
            errors["fulfilment"] = _(
                "%(name)s belum melayani antar. Pilih ambil di koperasi.", name=cooperative.short_name
            )
        elif zone is None:
            names = ", ".join(z.name for z in zones)
            errors["dusun"] = _(
                "Pilih dusun dari wilayah antar %(name)s: %(names)s.", name=cooperative.short_name, names=names
            )
        else:
            dusun, delivery_fee = zone.name, zone.fee
    refusals = await purchase_refusals(session, cooperative, user, valid.quantities, products, lock=True)
    for product_id, refusal in refusals.items():
        errors[f"product:{product_id}"] = refusal.message
    if errors:
        raise InvalidInput.of(errors)
    return _Terms(products=products, dusun=dusun, delivery_fee=delivery_fee)


async def _insert(session: AsyncSession, order: Order, fingerprints: tuple[str, ...]) -> tuple[Order, bool]:
    """Insert the order, drawing a new number on a collision; (the first order, False) for a repeated key."""
    cooperative_id = order.cooperative_id
    for attempt in range(5):
        try:
            # Insert the order first, in a savepoint: a concurrent twin with the same key fails here,
            # before touching stock, and the transaction stays usable to read the twin's order.
            async with session.begin_nested():
                session.add(order)
                await session.flush()
            return order, True
        except IntegrityError:
            scope, key = order.idempotency_scope, order.idempotency_key
            if scope and key and (existing := await find_by_idempotency_key(session, cooperative_id, scope, key)):
                return _replay(existing, fingerprints), False
            if attempt == 4:
                raise Conflict(_("Pesanan tidak bisa dibuat, silakan coba lagi.")) from None
            # The random part of the order number collided with another order today: draw again.
            day_part = order.number.rsplit("-", 1)[0]
            order = Order(**{c: getattr(order, c) for c in _ORDER_INIT_FIELDS})
            order.number = f"{day_part}-{_number_suffix()}"
    raise AssertionError("unreachable")  # pragma: no cover


def order_line(order_id: int, product: Product, quantity: int) -> OrderLine:
    """A line of an order: the product's name, unit and prices as they are now, so later changes leave it be."""
    return OrderLine(
        order_id=order_id,
        product_id=product.id,
        producer_id=product.producer_id,
        name=product.name,
        unit=product.unit,
        unit_price=product.retail_price,
        producer_price=product.producer_price,
        quantity=quantity,
        line_total=product.retail_price * quantity,
    )


async def _reserve_lines(
    session: AsyncSession, order: Order, ordered: list[Product], quantities: Mapping[int, int], user_id: int | None
) -> tuple[list[OrderLine], OrderEvent]:
    """Write the lines (each with its price snapshot) and the first event, and take every line's stock; the
    first product short of stock refuses the order (the request's transaction rolls back)."""
    lines = [order_line(order.id, product, quantities[product.id]) for product in ordered]
    placed = OrderEvent(
        order_id=order.id,
        from_status=None,
        to_status=state.OrderStatus.PLACED,
        actor_user_id=user_id,
        actor_label=N_("Pembeli"),  # stored in Indonesian; the page translates it when shown
    )
    session.add_all([*lines, placed])
    # One flush writes the lines, the event and the stock ledger rows (and posts the ledger's entries).
    short = await catalog.reserve_many(session, ordered, quantities, order_id=order.id, user_id=user_id)
    if short is not None:
        left = await catalog.current_stock(session, short.id)
        message = (
            _("Stok %(name)s habis.", name=short.name)
            if left == 0
            else _(
                "Stok %(name)s tinggal %(n)s %(unit)s. Kurangi jumlahnya.",
                name=short.name,
                n=left,
                unit=short.unit,
            )
        )
        raise OutOfStock(message, field_errors={f"product:{short.id}": message}, product_id=short.id, available=left)
    return lines, placed


async def place_order(
    session: AsyncSession,
    cooperative: Cooperative,
    request: OrderCreate,
    *,
    idempotency_key: str | None = None,
    session_id: str | None = None,
    user: CurrentUser | None = None,
    limits: OrderLimits | None = None,
    client: str | None = None,
) -> tuple[Order, bool]:
    """Create an order and reserve its stock in one transaction. Returns (order, created).

    Prices and fees come from the database, never from the buyer. The request is checked first; then
    the same buyer's key (see `buyer_scope`) with the same contents yields that buyer's first order, even
    when the repeats arrive at the same moment, and with other contents is refused (`KeyReused`).
    With `limits`, a new order counts against the buyer's phone and `client` address (`TooManyOrders`).
    """
    key = check_idempotency_key(idempotency_key)
    valid = validate_checkout(request)
    scope = buyer_scope(user, session_id, valid.phone) if key else None
    fingerprint = checkout_fingerprint(valid)
    accepted = (fingerprint, request_fingerprint(request))
    if scope and key and (existing := await find_by_idempotency_key(session, cooperative.id, scope, key)):
        return _replay(existing, accepted), False
    if cooperative.status != CooperativeStatus.OPEN:
        raise Conflict(
            _("%(name)s belum buka atau sedang tutup; pesanan belum bisa diterima.", name=cooperative.short_name)
        )
    terms = await _terms(session, cooperative, valid, user)
    ordered = [terms.products[pid] for pid in sorted(valid.quantities)]
    subtotal = sum(p.retail_price * valid.quantities[p.id] for p in ordered)
    draft = Order(
        cooperative_id=cooperative.id,
        number=order_number_for(cooperative),
        token=secrets.token_urlsafe(24),
        user_id=user.id if user else None,
        idempotency_scope=scope,
        idempotency_key=key,
        idempotency_fingerprint=fingerprint if key else None,
        status=state.OrderStatus.PLACED,
        payment_status=state.PaymentStatus.UNPAID,
        payment_method=valid.payment_method,
        fulfilment=valid.fulfilment,
        customer_name=valid.name,
        customer_phone=valid.phone,
        dusun=terms.dusun,
        rt=valid.rt,
        rw=valid.rw,
        landmark=valid.landmark,
        note=valid.note,
        subtotal=subtotal,
        delivery_fee=terms.delivery_fee,
        total=subtotal + terms.delivery_fee,
    )
    order, created = await _insert(session, draft, accepted)
    if not created:
        return order, False
    if limits is not None:
        await count_order(session, limits, client, valid.phone)
    user_id = user.id if user else None
    lines, placed = await _reserve_lines(session, order, ordered, valid.quantities, user_id)
    # The order's collections are exactly what was just written: no reload.
    set_committed_value(order, "lines", lines)
    set_committed_value(order, "events", [placed])
    set_committed_value(order, "payments", [])
    await rollups.record_placed(session, cooperative, order)
    return order, True
