"""What an order says to people outside the app: WhatsApp texts and links, and how it will be paid."""

from __future__ import annotations

from app.i18n import N_, _
from app.models import Cooperative
from app.text import rupiah, whatsapp_link
from orders import state
from orders.models import Order


def payment_label(order: Order) -> str:
    """How this order is paid, in the buyer's words: cash says when and where the money changes hands."""
    if order.payment_method == "cash":
        return (
            _("Bayar di tempat (COD) saat barang sampai")
            if order.fulfilment == "delivery"
            else _("Bayar tunai saat mengambil di koperasi")
        )
    return state.payment_method_label(order.payment_method)


def _place(order: Order) -> str:
    parts = [order.dusun, f"RT {order.rt}" if order.rt else "", f"RW {order.rw}" if order.rw else "", order.landmark]
    return ", ".join(x for x in parts if x)


def order_summary_text(order: Order, cooperative: Cooperative) -> str:
    """The WhatsApp message a buyer sends to the cooperative about an order, in the buyer's language."""
    lines = [
        _(
            "Halo %(coop)s, saya %(name)s (%(phone)s).",
            coop=cooperative.short_name,
            name=order.customer_name,
            phone=order.customer_phone,
        ),
        _("Pesanan %(number)s:", number=order.number),
    ]
    lines += [f"- {line.quantity} {line.unit} {line.name} = {rupiah(line.line_total)}" for line in order.lines]
    if order.delivery_fee:
        lines.append(_("- Ongkos antar (%(dusun)s) = %(fee)s", dusun=order.dusun, fee=rupiah(order.delivery_fee)))
    lines.append(_("Total: %(total)s (%(payment)s)", total=rupiah(order.total), payment=payment_label(order)))
    if order.fulfilment == "delivery":
        lines.append(_("Diantar ke: %(place)s", place=_place(order)))
    else:
        lines.append(_("Diambil di koperasi."))
    return "\n".join(lines)


_STATUS_NEWS = {
    state.OrderStatus.PLACED: N_("sudah kami terima dan segera kami proses"),
    state.OrderStatus.CONFIRMED: N_("sudah dikonfirmasi dan sedang kami siapkan"),
    state.OrderStatus.PACKED: N_("sudah dikemas"),
    state.OrderStatus.READY_FOR_PICKUP: N_("sudah siap diambil di koperasi"),
    state.OrderStatus.OUT_FOR_DELIVERY: N_("sedang diantar"),
    state.OrderStatus.COMPLETED: N_("sudah selesai. Terima kasih sudah berbelanja di koperasi"),
    state.OrderStatus.CANCELLED: N_("dibatalkan"),
}


def status_message_text(order: Order, cooperative: Cooperative, order_url: str | None = None) -> str:
    """What staff tell a buyer about an order, in the sender's language: where it is and what is left to pay."""
    status = state.OrderStatus(order.status)
    news = _(_STATUS_NEWS[status])
    if status is state.OrderStatus.OUT_FOR_DELIVERY and order.dusun:
        news = _("%(news)s ke %(place)s", news=news, place=_place(order))
    lines = [
        _(
            "Halo %(name)s, pesanan %(number)s di %(coop)s %(news)s.",
            name=order.customer_name,
            number=order.number,
            coop=cooperative.short_name,
            news=news,
        )
    ]
    if status is not state.OrderStatus.CANCELLED:
        if order.payment_status == state.PaymentStatus.PAID:
            lines.append(_("Pembayaran %(total)s sudah kami terima.", total=rupiah(order.total)))
        elif order.payment_status == state.PaymentStatus.UNPAID:
            lines.append(
                _("Belum dibayar: %(total)s (%(payment)s).", total=rupiah(order.total), payment=payment_label(order))
            )
    elif order.payment_status == state.PaymentStatus.PAID:
        lines.append(_("Uang Anda %(total)s akan kami kembalikan.", total=rupiah(order.total)))
    if order_url:
        lines.append(_("Lihat pesanan: %(url)s", url=order_url))
    return "\n".join(lines)


def buyer_whatsapp_url(order: Order, cooperative: Cooperative) -> str:
    return whatsapp_link(cooperative.whatsapp, order_summary_text(order, cooperative))


def staff_whatsapp_url(order: Order, cooperative: Cooperative, order_url: str | None = None) -> str:
    return whatsapp_link(order.customer_phone, status_message_text(order, cooperative, order_url))
