"""What the helpers see: the pendamping's cooperatives (those needing help first) and the operator's region."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, ColumnElement, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import audit
from app.auth import CurrentUser
from app.i18n import N_, _
from app.models import Cooperative, CooperativeStatus, FacilitatorAssignment, PlatformGrant, PlatformRole, User
from onboarding.readiness import STATUS_LABELS, Readiness, counts, steps_for
from orders.models import Order, OrderLine
from orders.sales import Basis, producer_cost, sold_lines
from orders.state import OrderStatus
from producers.models import Settlement

DORMANT_AFTER_DAYS = 30
STALE_ORDER_DAYS = 2
DORMANT = "dormant"
INACTIVE = "inactive"
STATE_LABELS: dict[str, str] = {
    **STATUS_LABELS,
    DORMANT: N_("Tidur (30 hari tanpa pesanan)"),
    INACTIVE: N_("Nonaktif"),
}
_OPEN_ORDER = (
    OrderStatus.PLACED,
    OrderStatus.CONFIRMED,
    OrderStatus.PACKED,
    OrderStatus.READY_FOR_PICKUP,
    OrderStatus.OUT_FOR_DELIVERY,
)


def state_of(cooperative: Cooperative, last_order: datetime.datetime | None, now: datetime.datetime) -> str:
    """What the operator sees: the status, except an open shop without an order for 30 days is dormant."""
    if not cooperative.is_active and cooperative.status != CooperativeStatus.REJECTED:
        return INACTIVE
    if cooperative.status != CooperativeStatus.OPEN:
        return cooperative.status
    since = max([t for t in (last_order, cooperative.opened_at, cooperative.created_at) if t is not None], default=now)
    return DORMANT if now - since > datetime.timedelta(days=DORMANT_AFTER_DAYS) else CooperativeStatus.OPEN


def within(scope: str) -> ColumnElement[bool]:
    """Cooperatives placed in an operator's region ("" is the whole country)."""
    if scope == "":
        return Cooperative.id.is_not(None)
    return or_(Cooperative.kode_wilayah == scope, Cooperative.kode_wilayah.like(f"{scope}.%"))


async def last_orders(session: AsyncSession, ids: Sequence[int]) -> dict[int, datetime.datetime]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Order.cooperative_id, func.max(Order.created_at))
        .where(Order.cooperative_id.in_(ids))
        .group_by(Order.cooperative_id)
    )
    return {int(cid): at for cid, at in rows.tuples() if at is not None}


async def stale_orders(session: AsyncSession, ids: Sequence[int], now: datetime.datetime) -> dict[int, int]:
    """Orders still open after two days, per cooperative."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Order.cooperative_id, func.count())
        .where(
            Order.cooperative_id.in_(ids),
            Order.status.in_(_OPEN_ORDER),
            Order.created_at < now - datetime.timedelta(days=STALE_ORDER_DAYS),
        )
        .group_by(Order.cooperative_id)
    )
    return {int(cid): int(n) for cid, n in rows.tuples()}


async def unpaid_producers(session: AsyncSession, ids: Sequence[int], now: datetime.datetime) -> dict[int, int]:
    """Producers owed money (completed sales, `orders.sales`, minus settlements paid), per cooperative."""
    if not ids:
        return {}
    earned_rows = await session.execute(
        sold_lines(Basis.COMPLETED, None, now)
        .with_only_columns(Order.cooperative_id, OrderLine.producer_id, func.sum(producer_cost))
        .where(Order.cooperative_id.in_(ids), OrderLine.producer_id.is_not(None))
        .group_by(Order.cooperative_id, OrderLine.producer_id)
    )
    owed = {(int(c), int(p)): int(v or 0) for c, p, v in earned_rows.tuples() if p is not None}
    paid_rows = await session.execute(
        select(Settlement.cooperative_id, Settlement.producer_id, func.sum(cast(Settlement.amount_paid, BigInteger)))
        .where(Settlement.cooperative_id.in_(ids))
        .group_by(Settlement.cooperative_id, Settlement.producer_id)
    )
    for c, p, v in paid_rows.tuples():
        owed[(int(c), int(p))] = owed.get((int(c), int(p)), 0) - int(v or 0)
    result: dict[int, int] = {}
    for (cooperative_id, _producer_id), amount in owed.items():
        if amount > 0:
            result[cooperative_id] = result.get(cooperative_id, 0) + 1
    return result


@dataclass(frozen=True)
class FacilitatorRow:
    cooperative: Cooperative
    readiness: Readiness
    state: str
    days_since_order: int | None
    stale_orders: int
    unpaid_producers: int

    @property
    def state_label(self) -> str:
        return _(STATE_LABELS.get(self.state, self.state))

    @property
    def reasons(self) -> list[str]:
        """Why this cooperative needs help, most urgent first; empty when it is doing fine."""
        found = []
        if self.stale_orders:
            found.append(
                _("%(n)s pesanan belum selesai lebih dari %(days)s hari", n=self.stale_orders, days=STALE_ORDER_DAYS)
            )
        if self.unpaid_producers:
            found.append(_("%(n)s produsen belum dibayar", n=self.unpaid_producers))
        if self.state in (CooperativeStatus.ONBOARDING, CooperativeStatus.APPLIED) and not self.readiness.ready:
            done, total = self.readiness.done_count, len(self.readiness.steps)
            found.append(_("persiapan %(done)s/%(total)s langkah", done=done, total=total))
        elif self.state == CooperativeStatus.ONBOARDING:
            found.append(_("semua langkah selesai: toko bisa dibuka"))
        if self.state == DORMANT:
            found.append(_("tidak ada pesanan %(days)s hari", days=DORMANT_AFTER_DAYS))
        if self.state == CooperativeStatus.CLOSED:
            found.append(_("toko tutup sementara"))
        return found


def _help_order(row: FacilitatorRow) -> tuple[int, int, int, int, str]:
    return (-len(row.reasons), -row.stale_orders, -row.unpaid_producers, row.readiness.done_count, row.cooperative.name)


async def facilitator_overview(
    session: AsyncSession, user: CurrentUser, now: datetime.datetime | None = None
) -> list[FacilitatorRow]:
    """The pendamping's assigned cooperatives, the ones that need help first."""
    moment = now or datetime.datetime.now(datetime.UTC)
    ids = sorted(user.assigned_cooperative_ids)
    if not ids:
        return []
    coops = list(
        await session.scalars(select(Cooperative).where(Cooperative.id.in_(ids), Cooperative.is_active.is_(True)))
    )
    found = [c.id for c in coops]
    last, stale, unpaid = (
        await last_orders(session, found),
        await stale_orders(session, found, moment),
        await unpaid_producers(session, found, moment),
    )
    rows = []
    for coop in coops:
        at = last.get(coop.id)
        rows.append(
            FacilitatorRow(
                cooperative=coop,
                readiness=steps_for(coop, await counts(session, coop.id)),
                state=state_of(coop, at, moment),
                days_since_order=(moment - at).days if at else None,
                stale_orders=stale.get(coop.id, 0),
                unpaid_producers=unpaid.get(coop.id, 0),
            )
        )
    return sorted(rows, key=_help_order)


@dataclass(frozen=True)
class Helper:
    user_id: int
    name: str
    phone: str


@dataclass
class RegionRow:
    cooperative: Cooperative
    state: str
    last_order: datetime.datetime | None
    pendamping: list[Helper] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return _(STATE_LABELS.get(self.state, self.state))


@dataclass(frozen=True)
class OperatorOverview:
    scope: str
    scopes: tuple[str, ...]
    waiting: list[Cooperative]
    rows: list[RegionRow]
    helpers: list[Helper]
    log: audit.AuditPage

    @property
    def state_counts(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for row in self.rows:
            tally[row.state] = tally.get(row.state, 0) + 1
        return tally


async def _assigned(session: AsyncSession, ids: Iterable[int]) -> dict[int, list[Helper]]:
    rows = await session.execute(
        select(FacilitatorAssignment.cooperative_id, User.id, User.name, User.phone)
        .join(User, User.id == FacilitatorAssignment.user_id)
        .where(FacilitatorAssignment.cooperative_id.in_(list(ids)), FacilitatorAssignment.ended_at.is_(None))
        .order_by(User.name)
    )
    found: dict[int, list[Helper]] = {}
    for cid, uid, name, phone in rows.tuples():
        found.setdefault(int(cid), []).append(Helper(int(uid), name, phone))
    return found


async def pendamping_in(session: AsyncSession, scope: str) -> list[Helper]:
    """Registered pendamping whose region overlaps the operator's (either one inside the other)."""
    query = (
        select(User.id, User.name, User.phone)
        .join(PlatformGrant, PlatformGrant.user_id == User.id)
        .where(PlatformGrant.role == PlatformRole.PENDAMPING, User.is_active.is_(True))
    )
    if scope:
        query = query.where(
            or_(
                PlatformGrant.region_code == "",
                PlatformGrant.region_code == scope,
                PlatformGrant.region_code.like(f"{scope}.%"),
                func.substr(scope, 1, func.length(PlatformGrant.region_code) + 1) == PlatformGrant.region_code + ".",
            )
        )
    rows = await session.execute(query.distinct().order_by(User.name))
    return [Helper(int(uid), name, phone) for uid, name, phone in rows.tuples()]


async def operator_overview(
    session: AsyncSession, user: CurrentUser, scope: str | None = None, *, log_page: int = 1
) -> OperatorOverview:
    """Registrations waiting, every cooperative of the region with its state, its pendamping and the region's log."""
    scopes = user.operator_regions
    chosen = scope if scope in scopes else scopes[0]
    moment = datetime.datetime.now(datetime.UTC)
    coops = list(
        await session.scalars(
            select(Cooperative)
            .where(within(chosen), Cooperative.status != CooperativeStatus.REJECTED)
            .order_by(Cooperative.kabupaten, Cooperative.name)
        )
    )
    ids = [c.id for c in coops]
    last = await last_orders(session, ids)
    assigned = await _assigned(session, ids)
    rows = [RegionRow(c, state_of(c, last.get(c.id), moment), last.get(c.id), assigned.get(c.id, [])) for c in coops]
    waiting = [c for c in coops if c.is_active and c.status == CooperativeStatus.APPLIED]
    return OperatorOverview(
        scope=chosen,
        scopes=scopes,
        waiting=waiting,
        rows=rows,
        helpers=await pendamping_in(session, chosen),
        log=await audit.for_region(session, chosen or None, page=log_page, per_page=50),
    )
