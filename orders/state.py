"""The order and payment state machines, as data, and the one home of their Indonesian labels and messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Literal

from app.i18n import N_, _

__all__ = [
    "ACTION_LABELS",
    "CANCELLABLE",
    "COURIER_RUN_MESSAGE",
    "FULFILMENT_LABELS",
    "LABELS",
    "PAYMENT_LABELS",
    "PAYMENT_METHOD_LABELS",
    "TEMPLATE_FILTERS",
    "CourierRunRequired",
    "Fulfilment",
    "IllegalPaymentTransition",
    "IllegalTransition",
    "OrderStatus",
    "PaymentStatus",
    "Role",
    "StateError",
    "TransitionForbidden",
    "action_label",
    "allowed_targets",
    "check_payment_transition",
    "check_transition",
    "fulfilment_label",
    "is_final",
    "needs_courier_run",
    "next_steps",
    "payment_method_label",
    "payment_status_label",
    "restocks_on",
    "status_label",
]


class OrderStatus(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    PACKED = "packed"
    READY_FOR_PICKUP = "ready_for_pickup"
    OUT_FOR_DELIVERY = "out_for_delivery"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Fulfilment(StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDED = "refunded"


Role = Literal["buyer", "staff", "admin"]

# Roles that may make every legal transition; a buyer may only cancel while the order is placed.
_STAFF_ROLES = frozenset({"staff", "admin"})

# Forward moves: target -> the fulfilment it requires (None: either).
_FORWARD: Mapping[OrderStatus, Mapping[OrderStatus, Fulfilment | None]] = {
    OrderStatus.PLACED: {OrderStatus.CONFIRMED: None},
    OrderStatus.CONFIRMED: {OrderStatus.PACKED: None},
    OrderStatus.PACKED: {
        OrderStatus.READY_FOR_PICKUP: Fulfilment.PICKUP,
        OrderStatus.OUT_FOR_DELIVERY: Fulfilment.DELIVERY,
    },
    OrderStatus.READY_FOR_PICKUP: {OrderStatus.COMPLETED: None},
    OrderStatus.OUT_FOR_DELIVERY: {OrderStatus.COMPLETED: None},
    OrderStatus.COMPLETED: {},
    OrderStatus.CANCELLED: {},
}
CANCELLABLE = frozenset({OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.PACKED})
_BUYER_CANCELLABLE = frozenset({OrderStatus.PLACED})
_FINAL = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED})

# How far along an order is; used only to word "cannot go back" messages.
_RANK: Mapping[OrderStatus, int] = {
    OrderStatus.PLACED: 0,
    OrderStatus.CONFIRMED: 1,
    OrderStatus.PACKED: 2,
    OrderStatus.READY_FOR_PICKUP: 3,
    OrderStatus.OUT_FOR_DELIVERY: 3,
    OrderStatus.COMPLETED: 4,
    OrderStatus.CANCELLED: 4,
}

LABELS: dict[OrderStatus, str] = {
    OrderStatus.PLACED: N_("Dipesan"),
    OrderStatus.CONFIRMED: N_("Dikonfirmasi"),
    OrderStatus.PACKED: N_("Dikemas"),
    OrderStatus.READY_FOR_PICKUP: N_("Siap diambil"),
    OrderStatus.OUT_FOR_DELIVERY: N_("Sedang diantar"),
    OrderStatus.COMPLETED: N_("Selesai"),
    OrderStatus.CANCELLED: N_("Dibatalkan"),
}

# Button text for the move *to* a status; an order is never moved to "placed".
ACTION_LABELS: dict[OrderStatus, str] = {
    OrderStatus.CONFIRMED: N_("Konfirmasi"),
    OrderStatus.PACKED: N_("Tandai dikemas"),
    OrderStatus.READY_FOR_PICKUP: N_("Siap diambil"),
    OrderStatus.OUT_FOR_DELIVERY: N_("Antar"),
    OrderStatus.COMPLETED: N_("Selesaikan"),
    OrderStatus.CANCELLED: N_("Batalkan"),
}

# One wording per payment status, on every page, flash message and export.
PAYMENT_LABELS: dict[PaymentStatus, str] = {
    PaymentStatus.UNPAID: N_("Belum dibayar"),
    PaymentStatus.PAID: N_("Lunas"),
    PaymentStatus.REFUNDED: N_("Dikembalikan"),
}

FULFILMENT_LABELS: dict[str, str] = {"pickup": N_("Ambil di koperasi"), "delivery": N_("Diantar ke rumah")}
PAYMENT_METHOD_LABELS: dict[str, str] = {
    "cash": N_("Bayar di tempat (tunai)"),
    "transfer": N_("Transfer bank"),
    "qris": N_("QRIS"),
}

# Moves made only as part of a courier's delivery run, so the run sheet and the cash hand-in know the order.
_COURIER_RUN_ONLY = frozenset({OrderStatus.OUT_FOR_DELIVERY})
COURIER_RUN_MESSAGE = N_("Pesanan diantar lewat rute kurir: pilih kurir di papan pesanan.")

# "Pesanan yang ..." — the order as it stands now.
_STANDING: Mapping[OrderStatus, str] = {
    OrderStatus.PLACED: N_("masih berstatus dipesan"),
    OrderStatus.CONFIRMED: N_("sudah dikonfirmasi"),
    OrderStatus.PACKED: N_("sudah dikemas"),
    OrderStatus.READY_FOR_PICKUP: N_("sudah siap diambil"),
    OrderStatus.OUT_FOR_DELIVERY: N_("sedang diantar"),
    OrderStatus.COMPLETED: N_("sudah selesai"),
    OrderStatus.CANCELLED: N_("sudah dibatalkan"),
}


class StateError(Exception):
    """A refused status change; `message` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(StateError):
    """No one may make this move (HTTP 409)."""

    def __init__(self, current: OrderStatus, target: OrderStatus, message: str) -> None:
        super().__init__(message)
        self.current = current
        self.target = target


class TransitionForbidden(StateError):
    """The move is legal, but not for this role (HTTP 403)."""

    def __init__(self, current: OrderStatus, target: OrderStatus, role: str, message: str) -> None:
        super().__init__(message)
        self.current = current
        self.target = target
        self.role = role


class CourierRunRequired(StateError):
    """A legal move that only a courier run makes, asked for on its own (HTTP 409)."""

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(_(COURIER_RUN_MESSAGE))
        self.current = current
        self.target = target


class IllegalPaymentTransition(StateError):
    """A payment status change that is never allowed (HTTP 409)."""

    def __init__(self, current: PaymentStatus, target: PaymentStatus, message: str) -> None:
        super().__init__(message)
        self.current = current
        self.target = target


def _is_legal(current: OrderStatus, target: OrderStatus, fulfilment: Fulfilment) -> bool:
    if target is OrderStatus.CANCELLED:
        return current in CANCELLABLE
    if target not in _FORWARD[current]:
        return False
    required = _FORWARD[current][target]
    return required is None or required is fulfilment


def _role_may(role: str, current: OrderStatus, target: OrderStatus) -> bool:
    if role in _STAFF_ROLES:
        return True
    return role == "buyer" and target is OrderStatus.CANCELLED and current in _BUYER_CANCELLABLE


def _lower(status: OrderStatus) -> str:
    return _(LABELS[status]).lower()


def _illegal_message(current: OrderStatus, target: OrderStatus, fulfilment: Fulfilment) -> str:
    standing = _(_STANDING[current])
    if current is target:
        return _("Pesanan sudah berstatus %(status)s.", status=_lower(current))
    if current in _FINAL:
        return _("Pesanan yang %(standing)s tidak bisa diubah lagi.", standing=standing)
    if target is OrderStatus.READY_FOR_PICKUP and fulfilment is Fulfilment.DELIVERY:
        return _("Pesanan ini diantar ke pembeli, jadi tidak bisa ditandai siap diambil.")
    if target is OrderStatus.OUT_FOR_DELIVERY and fulfilment is Fulfilment.PICKUP:
        return _("Pesanan ini diambil sendiri di koperasi, jadi tidak bisa diantar.")
    if target is OrderStatus.CANCELLED:
        return _(
            "Pesanan yang %(standing)s tidak bisa dibatalkan lagi; "
            "pembatalan hanya bisa sebelum pesanan siap diambil atau diantar.",
            standing=standing,
        )
    if _RANK[target] < _RANK[current]:
        return _(
            "Pesanan yang %(standing)s tidak bisa kembali ke status %(status)s.",
            standing=standing,
            status=_lower(target),
        )
    if _RANK[target] == _RANK[current]:
        return _(
            "Pesanan yang %(standing)s tidak bisa berubah menjadi %(status)s.",
            standing=standing,
            status=_lower(target),
        )
    steps = ", ".join(_lower(s) for s in next_steps(current, fulfilment))
    return _(
        "Pesanan yang %(standing)s tidak bisa langsung menjadi %(status)s. Langkah berikutnya: %(steps)s.",
        standing=standing,
        status=_lower(target),
        steps=steps,
    )


def _forbidden_message(current: OrderStatus, target: OrderStatus, role: str) -> str:
    if role == "buyer" and target is OrderStatus.CANCELLED:
        return _(
            "Pesanan yang %(standing)s tidak bisa dibatalkan sendiri. Hubungi koperasi untuk membatalkannya.",
            standing=_(_STANDING[current]),
        )
    return _(
        "Hanya petugas koperasi yang bisa mengubah status pesanan menjadi %(status)s.", status=_lower(target)
    )


def check_transition(
    current: OrderStatus | str,
    target: OrderStatus | str,
    role: Role | str,
    fulfilment: Fulfilment | str,
    *,
    courier_run: bool = False,
) -> None:
    """Raise IllegalTransition if no one may move the order, TransitionForbidden if this role may not,
    CourierRunRequired if the move belongs to a courier run and the caller is not one.

    An illegal move is reported as such whatever the role, so a buyer and staff get the same answer.
    Plain strings (as stored in the database) are accepted; an unknown status raises ValueError.
    """
    current, target, fulfilment = OrderStatus(current), OrderStatus(target), Fulfilment(fulfilment)
    if not _is_legal(current, target, fulfilment):
        raise IllegalTransition(current, target, _illegal_message(current, target, fulfilment))
    if not _role_may(role, current, target):
        raise TransitionForbidden(current, target, role, _forbidden_message(current, target, role))
    if target in _COURIER_RUN_ONLY and not courier_run:
        raise CourierRunRequired(current, target)


def needs_courier_run(target: OrderStatus | str) -> bool:
    """Whether an order reaches `target` only by going onto a courier's delivery run."""
    return OrderStatus(target) in _COURIER_RUN_ONLY


def next_steps(current: OrderStatus | str, fulfilment: Fulfilment | str) -> list[OrderStatus]:
    """The forward (non-cancel) statuses an order can move to next."""
    current, fulfilment = OrderStatus(current), Fulfilment(fulfilment)
    return [
        target for target, required in _FORWARD[current].items() if required is None or required is fulfilment
    ]


def allowed_targets(
    current: OrderStatus | str, role: Role | str, fulfilment: Fulfilment | str, *, courier_run: bool = False
) -> list[OrderStatus]:
    """Every status this role may move the order to now, forward steps first, cancel last.

    Without `courier_run`, the moves only a courier run makes are left out.
    """
    current = OrderStatus(current)
    targets = next_steps(current, fulfilment)
    if current in CANCELLABLE:
        targets.append(OrderStatus.CANCELLED)
    return [
        target
        for target in targets
        if _role_may(role, current, target) and (courier_run or target not in _COURIER_RUN_ONLY)
    ]


def restocks_on(target: OrderStatus | str) -> bool:
    """Whether moving to `target` returns the order's stock (only cancelling does)."""
    return OrderStatus(target) is OrderStatus.CANCELLED


def is_final(status: OrderStatus | str) -> bool:
    return OrderStatus(status) in _FINAL


_PAYMENT_MOVES = frozenset(
    {(PaymentStatus.UNPAID, PaymentStatus.PAID), (PaymentStatus.PAID, PaymentStatus.REFUNDED)}
)


def _payment_message(current: PaymentStatus, target: PaymentStatus) -> str:
    if current is target:
        return {
            PaymentStatus.UNPAID: _("Pesanan ini memang belum dibayar."),
            PaymentStatus.PAID: _("Pesanan ini sudah lunas."),
            PaymentStatus.REFUNDED: _("Pembayaran pesanan ini sudah dikembalikan."),
        }[current]
    if current is PaymentStatus.REFUNDED:
        return _("Pembayaran yang sudah dikembalikan tidak bisa diubah lagi.")
    if current is PaymentStatus.UNPAID:
        return _("Pesanan yang belum dibayar tidak bisa ditandai dikembalikan.")
    return _(
        "Pembayaran yang sudah lunas tidak bisa kembali menjadi belum dibayar; "
        "catat pengembalian dana bila uangnya dikembalikan."
    )


def check_payment_transition(current: PaymentStatus | str, target: PaymentStatus | str) -> None:
    """Allow unpaid → paid and paid → refunded; raise IllegalPaymentTransition for anything else."""
    current, target = PaymentStatus(current), PaymentStatus(target)
    if (current, target) not in _PAYMENT_MOVES:
        raise IllegalPaymentTransition(current, target, _payment_message(current, target))


def status_label(status: OrderStatus | str) -> str:
    """The order status as people read it; an unknown value is shown as stored."""
    try:
        return _(LABELS[OrderStatus(status)])
    except ValueError:
        return str(status)


def payment_status_label(status: PaymentStatus | str) -> str:
    """The payment status as people read it; an unknown value is shown as stored."""
    try:
        return _(PAYMENT_LABELS[PaymentStatus(status)])
    except ValueError:
        return str(status)


def payment_method_label(method: str) -> str:
    """The payment method as people read it in the active language; an unknown value is shown as stored."""
    return _(PAYMENT_METHOD_LABELS[method]) if method in PAYMENT_METHOD_LABELS else method


def fulfilment_label(fulfilment: str) -> str:
    """Pickup or delivery as people read it in the active language."""
    return _(FULFILMENT_LABELS[fulfilment]) if fulfilment in FULFILMENT_LABELS else fulfilment


def action_label(status: OrderStatus | str) -> str:
    """The button text for moving an order to `status`, in the active language."""
    try:
        return _(ACTION_LABELS[OrderStatus(status)])
    except (ValueError, KeyError):
        return str(status)


# Who made a move, as stored in the history (always Indonesian): the words around the name, per language.
_ACTORS = {"Pembeli": N_("Pembeli"), "Sistem": N_("Sistem")}
_ACTOR_PREFIXES = {"Kurir: ": N_("Kurir: %(name)s"), "Staf: ": N_("Staf: %(name)s")}  # i18n: not shown


def actor_label(stored: str) -> str:
    """Who made a move in the order's history ("Pembeli", "Kurir: Ani"), in the active language."""
    if stored in _ACTORS:
        return _(_ACTORS[stored])
    for prefix, text in _ACTOR_PREFIXES.items():
        if stored.startswith(prefix):
            return _(text, name=stored[len(prefix) :])
    return stored


# Jinja filters for every template: `{{ order.status | status_label }}`, `{{ o.payment_status | payment_label }}`.
TEMPLATE_FILTERS: Mapping[str, Callable[[str], str]] = {
    "status_label": status_label,
    "payment_label": payment_status_label,
    "method_label": lambda method: payment_method_label(method),
    "fulfilment_label": lambda fulfilment: fulfilment_label(fulfilment),
    "action_label": lambda status: action_label(status),
    "actor_label": actor_label,

}
