"""The order and payment state machines, checked exhaustively against a table written here."""

from __future__ import annotations

import itertools

import pytest

from orders.state import (
    ACTION_LABELS,
    LABELS,
    PAYMENT_LABELS,
    TEMPLATE_FILTERS,
    CourierRunRequired,
    Fulfilment,
    IllegalPaymentTransition,
    IllegalTransition,
    OrderStatus,
    PaymentStatus,
    StateError,
    TransitionForbidden,
    allowed_targets,
    check_payment_transition,
    check_transition,
    is_final,
    needs_courier_run,
    next_steps,
    payment_status_label,
    restocks_on,
    status_label,
)

STATES = [
    "placed",
    "confirmed",
    "packed",
    "ready_for_pickup",
    "out_for_delivery",
    "completed",
    "cancelled",
]
FULFILMENTS = ["pickup", "delivery"]
# "producer" stands for any role that is not buyer, staff or admin.
ROLES = ["buyer", "staff", "admin", "producer"]

# Written out by hand from the architecture, deliberately not derived from orders.state.
# (current, target, fulfilment) for every legal move.
LEGAL: set[tuple[str, str, str]] = {
    ("placed", "confirmed", "pickup"),
    ("placed", "confirmed", "delivery"),
    ("confirmed", "packed", "pickup"),
    ("confirmed", "packed", "delivery"),
    ("packed", "ready_for_pickup", "pickup"),
    ("packed", "out_for_delivery", "delivery"),
    ("ready_for_pickup", "completed", "pickup"),
    ("ready_for_pickup", "completed", "delivery"),
    ("out_for_delivery", "completed", "pickup"),
    ("out_for_delivery", "completed", "delivery"),
    ("placed", "cancelled", "pickup"),
    ("placed", "cancelled", "delivery"),
    ("confirmed", "cancelled", "pickup"),
    ("confirmed", "cancelled", "delivery"),
    ("packed", "cancelled", "pickup"),
    ("packed", "cancelled", "delivery"),
}
# (role, current, target) a role may make, among the legal ones.
BUYER_MAY: set[tuple[str, str]] = {("placed", "cancelled")}
STAFF_ROLES = {"staff", "admin"}
# Moves only a courier run makes (the run passes courier_run=True); asked for alone they are refused.
COURIER_RUN_ONLY = {"out_for_delivery"}


def expected(current: str, target: str, role: str, fulfilment: str, *, courier_run: bool = False) -> str:
    if (current, target, fulfilment) not in LEGAL:
        return "illegal"
    if role in STAFF_ROLES:
        return "ok" if courier_run or target not in COURIER_RUN_ONLY else "courier_run"
    if role == "buyer" and (current, target) in BUYER_MAY:
        return "ok"
    return "forbidden"


CASES = list(itertools.product(STATES, STATES, ROLES, FULFILMENTS))


def test_table_covers_every_combination() -> None:
    assert len(CASES) == 7 * 7 * 4 * 2
    assert {s.value for s in OrderStatus} == set(STATES)
    assert {f.value for f in Fulfilment} == set(FULFILMENTS)


@pytest.mark.parametrize("courier_run", [False, True], ids=["alone", "courier_run"])
@pytest.mark.parametrize(("current", "target", "role", "fulfilment"), CASES)
def test_check_transition(current: str, target: str, role: str, fulfilment: str, courier_run: bool) -> None:
    outcome = expected(current, target, role, fulfilment, courier_run=courier_run)
    if outcome == "ok":
        check_transition(
            OrderStatus(current), OrderStatus(target), role, Fulfilment(fulfilment), courier_run=courier_run
        )
        return
    error_type = {
        "illegal": IllegalTransition,
        "forbidden": TransitionForbidden,
        "courier_run": CourierRunRequired,
    }[outcome]
    with pytest.raises(error_type) as caught:
        check_transition(
            OrderStatus(current), OrderStatus(target), role, Fulfilment(fulfilment), courier_run=courier_run
        )
    error = caught.value
    assert isinstance(error, IllegalTransition | TransitionForbidden | CourierRunRequired)
    assert error.current == current
    assert error.target == target
    assert isinstance(error, StateError)
    assert error.message == str(error)
    assert error.message.startswith(("Pesanan", "Hanya petugas"))
    assert error.message.endswith(".")
    assert "_" not in error.message, "raw status names must not leak into the message"


@pytest.mark.parametrize(
    ("current", "role", "fulfilment"), list(itertools.product(STATES, ROLES, FULFILMENTS))
)
def test_allowed_targets_match_table(current: str, role: str, fulfilment: str) -> None:
    for courier_run in (False, True):
        want = {t for t in STATES if expected(current, t, role, fulfilment, courier_run=courier_run) == "ok"}
        got = allowed_targets(OrderStatus(current), role, Fulfilment(fulfilment), courier_run=courier_run)
        assert set(got) == want
        assert len(got) == len(want)
        if "cancelled" in want:
            assert got[-1] == OrderStatus.CANCELLED, "cancel comes last, after the forward steps"


@pytest.mark.parametrize(("current", "fulfilment"), list(itertools.product(STATES, FULFILMENTS)))
def test_next_steps_are_the_legal_forward_moves(current: str, fulfilment: str) -> None:
    want = {t for (c, t, f) in LEGAL if c == current and f == fulfilment and t != "cancelled"}
    assert set(next_steps(OrderStatus(current), Fulfilment(fulfilment))) == want


def test_strings_from_the_database_are_accepted() -> None:
    check_transition("packed", "out_for_delivery", "staff", "delivery", courier_run=True)
    assert next_steps("packed", "pickup") == [OrderStatus.READY_FOR_PICKUP]
    with pytest.raises(ValueError, match="shipped"):
        check_transition("packed", "shipped", "staff", "delivery")


@pytest.mark.parametrize(
    ("current", "target", "fulfilment", "message"),
    [
        ("packed", "placed", "pickup", "Pesanan yang sudah dikemas tidak bisa kembali ke status dipesan."),
        ("completed", "placed", "pickup", "Pesanan yang sudah selesai tidak bisa diubah lagi."),
        ("cancelled", "confirmed", "delivery", "Pesanan yang sudah dibatalkan tidak bisa diubah lagi."),
        ("packed", "packed", "pickup", "Pesanan sudah berstatus dikemas."),
        (
            "packed",
            "out_for_delivery",
            "pickup",
            "Pesanan ini diambil sendiri di koperasi, jadi tidak bisa diantar.",
        ),
        (
            "packed",
            "ready_for_pickup",
            "delivery",
            "Pesanan ini diantar ke pembeli, jadi tidak bisa ditandai siap diambil.",
        ),
        (
            "placed",
            "completed",
            "pickup",
            "Pesanan yang masih berstatus dipesan tidak bisa langsung menjadi selesai. "
            "Langkah berikutnya: dikonfirmasi.",
        ),
    ],
)
def test_illegal_messages_say_what_is_wrong(current: str, target: str, fulfilment: str, message: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target, "staff", fulfilment)
    assert caught.value.message == message


def test_cancel_after_handover_is_explained() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition("out_for_delivery", "cancelled", "admin", "delivery")
    assert "tidak bisa dibatalkan" in caught.value.message


def test_buyer_told_to_contact_the_cooperative() -> None:
    with pytest.raises(TransitionForbidden) as caught:
        check_transition("confirmed", "cancelled", "buyer", "pickup")
    assert caught.value.message == (
        "Pesanan yang sudah dikonfirmasi tidak bisa dibatalkan sendiri. "
        "Hubungi koperasi untuk membatalkannya."
    )
    assert caught.value.role == "buyer"


def test_buyer_cannot_confirm() -> None:
    with pytest.raises(TransitionForbidden, match="Hanya petugas koperasi"):
        check_transition("placed", "confirmed", "buyer", "pickup")


def test_illegal_wins_over_forbidden() -> None:
    # A move no one may make is a conflict (409), not a permission problem (403), for every role.
    with pytest.raises(IllegalTransition):
        check_transition("completed", "cancelled", "buyer", "pickup")


def test_labels() -> None:
    assert [LABELS[OrderStatus(s)] for s in STATES] == [
        "Dipesan",
        "Dikonfirmasi",
        "Dikemas",
        "Siap diambil",
        "Sedang diantar",
        "Selesai",
        "Dibatalkan",
    ]
    assert ACTION_LABELS == {
        OrderStatus.CONFIRMED: "Konfirmasi",
        OrderStatus.PACKED: "Tandai dikemas",
        OrderStatus.READY_FOR_PICKUP: "Siap diambil",
        OrderStatus.OUT_FOR_DELIVERY: "Antar",
        OrderStatus.COMPLETED: "Selesaikan",
        OrderStatus.CANCELLED: "Batalkan",
    }
    assert PAYMENT_LABELS == {
        PaymentStatus.UNPAID: "Belum dibayar",
        PaymentStatus.PAID: "Lunas",
        PaymentStatus.REFUNDED: "Dikembalikan",
    }


def test_every_reachable_target_has_a_button_label() -> None:
    targets = {t for (_, t, _) in LEGAL}
    assert targets == {OrderStatus(t) for t in ACTION_LABELS}


@pytest.mark.parametrize("status", STATES)
def test_restock_and_final(status: str) -> None:
    assert restocks_on(OrderStatus(status)) is (status == "cancelled")
    assert is_final(OrderStatus(status)) is (status in {"completed", "cancelled"})


PAYMENT_STATES = ["unpaid", "paid", "refunded"]
PAYMENT_LEGAL = {("unpaid", "paid"), ("paid", "refunded")}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(PAYMENT_STATES, PAYMENT_STATES)))
def test_payment_transitions(current: str, target: str) -> None:
    assert {p.value for p in PaymentStatus} == set(PAYMENT_STATES)
    if (current, target) in PAYMENT_LEGAL:
        check_payment_transition(PaymentStatus(current), PaymentStatus(target))
        return
    with pytest.raises(IllegalPaymentTransition) as caught:
        check_payment_transition(PaymentStatus(current), PaymentStatus(target))
    assert caught.value.current == current
    assert caught.value.target == target
    assert caught.value.message
    assert "_" not in caught.value.message
    assert isinstance(caught.value, StateError)


def test_out_for_delivery_alone_is_sent_to_the_courier_board() -> None:
    with pytest.raises(CourierRunRequired) as caught:
        check_transition("packed", "out_for_delivery", "staff", "delivery")
    assert caught.value.message == "Pesanan diantar lewat rute kurir: pilih kurir di papan pesanan."
    assert (caught.value.current, caught.value.target) == ("packed", "out_for_delivery")
    assert not isinstance(caught.value, TransitionForbidden), "a conflict (409), not a permission problem"
    assert [s for s in STATES if needs_courier_run(s)] == ["out_for_delivery"]


def test_one_label_per_status_for_templates() -> None:
    assert status_label("ready_for_pickup") == "Siap diambil"
    assert status_label("shipped") == "shipped"
    assert [payment_status_label(p) for p in ("unpaid", "paid", "refunded")] == [
        "Belum dibayar",
        "Lunas",
        "Dikembalikan",
    ]
    assert payment_status_label("kredit") == "kredit"
    assert TEMPLATE_FILTERS["status_label"]("cancelled") == "Dibatalkan"
    assert TEMPLATE_FILTERS["payment_label"]("unpaid") == "Belum dibayar"
