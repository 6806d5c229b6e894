"""Delivery: couriers, a courier's run of the day, run sheets, and marking orders delivered (with cash)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, noload, selectinload

from app.auth import CurrentUser
from app.clock import local_today
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.forms import parse_phone, parse_text, raise_errors
from app.i18n import N_, _
from app.models import COURIER_ROLES, Cooperative, Membership, MembershipStatus, User
from app.text import is_digits
from orders import services, state
from orders.fulfilment.cash import STOP_HANDED_IN, book_on_open_stop, cash_to_collect, record_cash_payment
from orders.fulfilment.common import BulkResult, clean, order_of, orders_by_number, require_selection
from orders.models import Courier, DeliveryRun, DeliveryStop, Order
from orders.schemas import CourierForm

# --- couriers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourierChoice:
    ref: str
    name: str
    phone: str | None
    is_staff: bool


async def _staff_users(session: AsyncSession, cooperative: Cooperative) -> list[User]:
    rows = await session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.APPROVED,
            Membership.role.in_(COURIER_ROLES),
            User.is_active.is_(True),
        )
        .order_by(User.name)
    )
    return list(rows.all())


async def list_couriers(session: AsyncSession, cooperative: Cooperative) -> list[Courier]:
    rows = await session.scalars(
        select(Courier)
        .where(Courier.cooperative_id == cooperative.id, Courier.is_active.is_(True))
        .order_by(Courier.name)
    )
    return list(rows.all())


async def courier_choices(session: AsyncSession, cooperative: Cooperative) -> list[CourierChoice]:
    """Named couriers, then staff members who have not been a courier yet."""
    couriers = await list_couriers(session, cooperative)
    linked = {c.user_id for c in couriers if c.user_id}
    choices = [CourierChoice(f"kurir:{c.id}", c.name, c.phone, c.user_id is not None) for c in couriers]
    choices += [
        CourierChoice(f"staf:{u.id}", u.name, u.phone, True)
        for u in await _staff_users(session, cooperative)
        if u.id not in linked
    ]
    return choices


async def courier_of_user(session: AsyncSession, cooperative: Cooperative, user_id: int) -> Courier | None:
    """The courier row linked to this account in the cooperative (made on their first run), if any."""
    return await session.scalar(
        select(Courier)
        .where(Courier.cooperative_id == cooperative.id, Courier.user_id == user_id)
        .order_by(Courier.id)
        .limit(1)
    )


async def add_courier(session: AsyncSession, cooperative: Cooperative, form: CourierForm) -> Courier:
    errors: dict[str, str] = {}
    clean_name = parse_text(form.name, "name", _("Nama kurir"), errors, required=True, max_length=120)
    number = parse_phone(form.phone, "phone", errors, required=False)
    raise_errors(errors)
    # A kurir member with this phone is the same person: their account sees the runs (issue 10).
    account = next((u for u in await _staff_users(session, cooperative) if number and u.phone == number), None)
    if account is not None and await courier_of_user(session, cooperative, account.id) is not None:
        account = None
    courier = Courier(
        cooperative_id=cooperative.id,
        user_id=account.id if account else None,
        name=clean_name,
        phone=number,
        is_active=True,
    )
    session.add(courier)
    await session.flush()
    return courier


async def resolve_courier(session: AsyncSession, cooperative: Cooperative, ref: object) -> Courier:
    """`kurir:<id>` (a named courier) or `staf:<user id>` (a staff member; becomes a courier on first run)."""
    text = clean(ref, 40)
    kind, _sep, raw_id = text.partition(":")
    if kind not in {"kurir", "staf"} or not is_digits(raw_id) or len(raw_id) > 12:
        raise InvalidInput(_("Pilih kurir dulu."), field_errors={"kurir": _("Pilih kurir.")})
    if kind == "kurir":
        courier = await session.get(Courier, int(raw_id))
        if courier is None or courier.cooperative_id != cooperative.id:
            raise NotFound(_("Kurir tidak ditemukan di koperasi ini."))
        return courier
    staff = {u.id: u for u in await _staff_users(session, cooperative)}
    person = staff.get(int(raw_id))
    if person is None:
        raise NotFound(_("Staf itu tidak ditemukan di koperasi ini."))
    existing = await courier_of_user(session, cooperative, person.id)
    if existing is not None:
        return existing
    courier = Courier(cooperative_id=cooperative.id, user_id=person.id, name=person.name, phone=person.phone)
    session.add(courier)
    await session.flush()
    return courier


# --- runs -------------------------------------------------------------------------------------------------


async def _run_for(
    session: AsyncSession, cooperative: Cooperative, courier: Courier, day: datetime.date, user: CurrentUser
) -> DeliveryRun:
    run = await session.scalar(
        select(DeliveryRun).where(
            DeliveryRun.cooperative_id == cooperative.id,
            DeliveryRun.courier_id == courier.id,
            DeliveryRun.business_date == day,
        )
    )
    if run is None:
        run = DeliveryRun(cooperative_id=cooperative.id, courier_id=courier.id, business_date=day, created_by=user.id)
        session.add(run)
        await session.flush()
    return run


async def assign_to_courier(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, numbers: Sequence[str], courier_ref: object
) -> BulkResult:
    """Packed delivery orders go out with a courier: onto the courier's run of today, status 'sedang diantar'."""
    require_selection(numbers)
    courier = await resolve_courier(session, cooperative, courier_ref)
    run = await _run_for(session, cooperative, courier, local_today(cooperative), user)
    result = BulkResult()
    orders = {o.number: o for o in await orders_by_number(session, cooperative, numbers)}
    for number in numbers:
        order = orders[number]
        if order.fulfilment != state.Fulfilment.DELIVERY:
            result.skipped.append((number, _("diambil sendiri, tidak diantar")))
            continue
        try:
            await services.transition(
                session,
                order,
                state.OrderStatus.OUT_FOR_DELIVERY,
                user,
                role="staff",
                note=f"Kurir: {courier.name}",  # i18n: not shown (the order's stored history)
                courier_run=True,
            )
        except state.StateError as exc:
            result.skipped.append((number, exc.message))
            continue
        session.add(
            DeliveryStop(cooperative_id=cooperative.id, run_id=run.id, courier_id=courier.id, order_id=order.id)
        )
        result.done.append(number)
    await session.flush()
    result.run_id = run.id
    return result


@dataclass(frozen=True)
class RunSummary:
    run: DeliveryRun
    stops: int
    delivered: int
    cash_expected: int
    cash_collected: int


async def runs_of_day(
    session: AsyncSession, cooperative: Cooperative, day: datetime.date, *, courier_id: int | None = None
) -> list[RunSummary]:
    """The day's runs; with `courier_id`, only that courier's (what a kurir sees)."""
    query = select(DeliveryRun).where(DeliveryRun.cooperative_id == cooperative.id, DeliveryRun.business_date == day)
    if courier_id is not None:
        query = query.where(DeliveryRun.courier_id == courier_id)
    runs = (await session.scalars(query.order_by(DeliveryRun.id))).unique().all()
    summaries = []
    for run in runs:
        stops = await _stops(session, run)
        summaries.append(
            RunSummary(
                run=run,
                stops=len(stops),
                delivered=sum(1 for s in stops if s.delivered_at is not None),
                cash_expected=sum(cash_to_collect(s.order) + s.cash_collected for s in stops),
                cash_collected=sum(s.cash_collected for s in stops),
            )
        )
    return summaries


async def _stops(session: AsyncSession, run: DeliveryRun) -> list[DeliveryStop]:
    rows = await session.scalars(
        select(DeliveryStop)
        .where(DeliveryStop.run_id == run.id)
        .options(joinedload(DeliveryStop.order).options(selectinload(Order.lines), noload(Order.events)))
        .order_by(DeliveryStop.id)
    )
    return list(rows.unique().all())


# --- the run sheet ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopGroup:
    dusun: str
    rt: str
    stops: Sequence[DeliveryStop]


@dataclass(frozen=True)
class RunSheet:
    run: DeliveryRun
    groups: Sequence[StopGroup]
    cash_to_collect: int
    cash_collected: int
    remaining: int


async def get_run(session: AsyncSession, cooperative: Cooperative, run_id: int) -> DeliveryRun:
    run = await session.get(DeliveryRun, run_id)
    if run is None or run.cooperative_id != cooperative.id:
        raise NotFound(_("Daftar antar tidak ditemukan di koperasi ini."))
    return run


async def run_sheet(session: AsyncSession, cooperative: Cooperative, run_id: int) -> RunSheet:
    """A courier's stops grouped by dusun and RT (how villages deliver), undelivered first within each."""
    run = await get_run(session, cooperative, run_id)
    stops = await _stops(session, run)
    grouped: dict[tuple[str, str], list[DeliveryStop]] = {}
    for stop in stops:
        key = ((stop.order.dusun or _("Tanpa dusun")).strip(), (stop.order.rt or "").strip())
        grouped.setdefault(key, []).append(stop)
    groups = [
        StopGroup(dusun=dusun, rt=rt, stops=sorted(items, key=lambda s: (s.delivered_at is not None, s.id)))
        for (dusun, rt), items in sorted(grouped.items(), key=lambda kv: (kv[0][0].lower(), kv[0][1].zfill(3)))
    ]
    return RunSheet(
        run=run,
        groups=groups,
        cash_to_collect=sum(cash_to_collect(s.order) for s in stops),
        cash_collected=sum(s.cash_collected for s in stops),
        remaining=sum(1 for s in stops if s.delivered_at is None),
    )


async def _stop_of(session: AsyncSession, cooperative: Cooperative, run_id: int, number: str) -> DeliveryStop:
    run = await get_run(session, cooperative, run_id)
    order = await order_of(session, cooperative, number)
    stop = await session.scalar(
        select(DeliveryStop).where(DeliveryStop.run_id == run.id, DeliveryStop.order_id == order.id)
    )
    if stop is None:
        raise NotFound(_("Pesanan ini tidak ada di daftar antar tersebut."))
    return stop


NOT_YOUR_RUN = N_("Daftar antar ini milik kurir lain.")


async def acting_courier(session: AsyncSession, cooperative: Cooperative, user: CurrentUser, run: DeliveryRun) -> bool:
    """Whether `user` works this run as its kurir rather than as staff; anyone else is refused.

    Staff work every run; a kurir only the runs whose courier row is linked to their account."""
    if user.is_staff_of(cooperative.id):
        return False
    courier = await session.get(Courier, run.courier_id)
    if courier is None or courier.user_id != user.id:
        raise Forbidden(_(NOT_YOUR_RUN))
    return True


async def mark_delivered(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, run_id: int, number: str, *, cash: bool
) -> DeliveryStop:
    """The courier handed the order over (and, with `cash`, took the money for it)."""
    by_courier = await acting_courier(session, cooperative, user, await get_run(session, cooperative, run_id))
    stop = await _stop_of(session, cooperative, run_id, number)
    if stop.delivered_at is not None:
        raise Conflict(_("Pesanan %(number)s sudah ditandai terkirim.", number=stop.order.number))
    courier = await session.get(Courier, stop.courier_id)
    await services.transition(
        session,
        stop.order,
        state.OrderStatus.COMPLETED,
        user,
        role="staff",
        note=f"Diterima pembeli, diantar {courier.name if courier else 'kurir'}",  # i18n: not shown (stored history)
        by_courier=by_courier,
    )
    now = datetime.datetime.now(datetime.UTC)
    stop.delivered_at = now
    stop.delivered_on = local_today(cooperative, now)
    if cash and cash_to_collect(stop.order):
        stop.cash_collected = await record_cash_payment(session, stop.order, user, by_courier=by_courier)
    await session.flush()
    return stop


async def collect_cash(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, run_id: int, number: str
) -> DeliveryStop:
    """Cash for an order already delivered (the buyer paid the courier afterwards)."""
    by_courier = await acting_courier(session, cooperative, user, await get_run(session, cooperative, run_id))
    stop = await _stop_of(session, cooperative, run_id, number)
    if stop.delivered_at is None:
        raise Conflict(_("Tandai pesanan terkirim dulu, lalu catat uangnya."))
    if stop.reconciliation_id is not None:
        raise Conflict(_(STOP_HANDED_IN))
    await book_on_open_stop(session, stop, await record_cash_payment(session, stop.order, user, by_courier=by_courier))
    return stop
