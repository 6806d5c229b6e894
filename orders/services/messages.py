"""What an order says to people outside the app: WhatsApp texts and links, and how it will be paid."""

from __future__ import annotations

from app.models import Cooperative
from app.text import rupiah, whatsapp_link
from orders import state
from orders.models import Order


def payment_label(order: Order) -> str:
    """How this order is paid, in the buyer's words: cash says when and where the money changes hands."""
    if order.payment_method == "cash":
        return (
            "Bayar di tempat (COD) saat barang sampai"
            if order.fulfilment == "delivery"
            else "Bayar tunai saat mengambil di koperasi"
        )
    return state.PAYMENT_METHOD_LABELS.get(order.payment_method, order.payment_method)


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
            lines.append(f"Belum dibayar: {rupiah(order.total)} ({payment_label(order)}).")
    elif order.payment_status == state.PaymentStatus.PAID:
        lines.append(f"Uang Anda {rupiah(order.total)} akan kami kembalikan.")
    if order_url:
        lines.append(f"Lihat pesanan: {order_url}")
    return "\n".join(lines)


def buyer_whatsapp_url(order: Order, cooperative: Cooperative) -> str:
    return whatsapp_link(cooperative.whatsapp, order_summary_text(order, cooperative))


def staff_whatsapp_url(order: Order, cooperative: Cooperative, order_url: str | None = None) -> str:
    return whatsapp_link(order.customer_phone, status_message_text(order, cooperative, order_url))
