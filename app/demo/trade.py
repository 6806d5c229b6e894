"""A cooperative's year of trade as rows: orders with lines, events, payments, deliveries, cash hand-ins,
weekly refills and monthly producer settlements, all consistent with the stock ledger."""

from __future__ import annotations

import base64
import datetime
import math
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from app.demo.bulk import WITA, BulkWriter, Row, local

DAYS = 365
# Per courier (id, name): the orders on the day's run as (order id, cash collected, delivered at).
Runs = dict[tuple[int, str], list[tuple[int, int, datetime.datetime | None]]]
STEPS = {
    "pickup": ("placed", "confirmed", "packed", "ready_for_pickup", "completed"),
    "delivery": ("placed", "confirmed", "packed", "out_for_delivery", "completed"),
}
ZONES = (("Dusun I", 0), ("Dusun II", 3_000), ("Dusun III", 5_000))
FIRST = ("Ahmad", "Muhammad", "Siti", "Nor", "Rahmah", "Aminah", "Fitri", "Rusdi", "Hasan", "Jamal", "Yusuf",
         "Halimah", "Mahmud", "Zainal", "Nurul", "Aisyah", "Fauzi", "Rizki", "Dewi", "Hendra", "Arif", "Supian",
         "Taufik", "Ilham", "Maulida", "Raudah", "Kamariah", "Jumiati", "Salasiah", "Udin", "Syahrani", "Masitah")
LAST = ("Rahman", "Hidayat", "Anshari", "Fadillah", "Saputra", "Wahyuni", "Hamdani", "Arsyad", "Nafarin",
        "Mulyani", "Rifai", "Ramadhan", "Hairani", "Yusran", "Norhayati", "Abdullah", "Jannah", "Khairunnisa")


@dataclass(frozen=True)
class Village:
    kode: str
    desa: str
    kecamatan: str
    kabupaten: str
    kelurahan: bool


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    category: str
    subcategory: str | None
    unit: str
    pack_size: str | None
    retail: int
    producer_price: int
    het: int | None
    het_basis: str | None
    hap: int | None
    max_qty: int | None
    aliases: tuple[str, ...]
    description: str
    umkm: bool


@dataclass(slots=True)
class Item:
    """A product while its cooperative's history is made: stock is written once the ledger is known."""

    id: int
    producer_id: int | None
    template: Template
    retail: int
    producer_price: int
    delta: int = 0
    sold: int = 0


@dataclass
class Coop:
    id: int
    slug: str
    prefix: str
    village: Village
    staff_id: int
    staff_label: str
    active: bool
    couriers: list[tuple[int, str]] = field(default_factory=list)
    members: list[tuple[int, str, str]] = field(default_factory=list)
    producers: list[int] = field(default_factory=list)



class Trade:
    """Makes the rows of a cooperative's history; `BulkWriter` stores them."""

    def __init__(self, writer: BulkWriter, rng: random.Random, orders_per_day: float) -> None:
        self.w = writer
        self.rng = rng
        self.orders_per_day = orders_per_day
        self.today = datetime.datetime.now(WITA).date()
        self.start = self.today - datetime.timedelta(days=DAYS)
        self.stamp = local(self.start - datetime.timedelta(days=30), 8, 0)
        self.taken_numbers: set[str] = set()
        self.number_counters: dict[tuple[str, datetime.date], int] = defaultdict(int)

    def stamps(self, at: datetime.datetime | None = None) -> Row:
        return {"created_at": at or self.stamp, "updated_at": at or self.stamp}

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def ledger(
        self, coop_id: int, product_id: int, delta: int, reason: str, order_id: int | None, at: datetime.datetime,
        note: str | None = None,
    ) -> None:
        self.w.add("stock_ledger", {
            "id": self.w.new_id("stock_ledger"), "product_id": product_id, "cooperative_id": coop_id,
            "delta": delta, "reason": reason, "order_id": order_id, "user_id": None, "note": note,
            **self.stamps(at),
        })

    def order_number(self, prefix: str, day: datetime.date) -> str:
        # A bijection of a per-day counter onto four letters: unique without remembering every number.
        space = 25**4
        salt = zlib.crc32(f"{prefix}{day}".encode())
        alphabet = "ACDEFGHJKMNPQRTUVWXY34679"
        while True:
            n = self.number_counters[(prefix, day)]
            self.number_counters[(prefix, day)] = n + 1
            value = (n * 7919 + salt) % space
            suffix = "".join(alphabet[value // 25**k % 25] for k in range(4))
            number = f"{prefix}-{day:%y%m%d}-{suffix}"
            if number not in self.taken_numbers:
                return number

    def history(self, coop: Coop, items: list[Item]) -> int:
        """A year of orders, deliveries, weekly refills and monthly producer payments. Returns the order count."""
        rng = self.rng
        ranked = rng.sample(items, len(items))
        weights = [0.0] * len(ranked)
        total = 0.0
        for rank in range(len(ranked)):
            total += 1 / (rank + 3)  # a few goods sell far more than the rest
            weights[rank] = total
        week_sold: dict[datetime.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        books: dict[tuple[int, datetime.date], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        mean = self.orders_per_day
        made = 0
        day = self.start
        while day < self.today:
            runs: Runs = defaultdict(list)
            for _ in range(max(0, round(rng.gauss(mean, math.sqrt(mean) + 0.3)))):
                self.order(coop, day, ranked, weights, week_sold, books, runs)
                made += 1
            self.deliveries(coop, day, runs)
            day += datetime.timedelta(days=1)
        self.refills(coop, {item.id: item for item in items}, week_sold)
        self.settlements(coop, books)
        return made

    def order(
        self,
        coop: Coop,
        day: datetime.date,
        items: list[Item],
        weights: list[float],
        week_sold: dict[datetime.date, dict[int, int]],
        books: dict[tuple[int, datetime.date], list[int]],
        runs: Runs,
    ) -> None:
        rng, w = self.rng, self.w
        fulfilment = "delivery" if rng.random() < 0.35 else "pickup"
        steps = STEPS[fulfilment]
        # Yesterday's and the day before's orders are partly still open, so the staff board has work.
        if rng.random() < {1: 0.6, 2: 0.15}.get((self.today - day).days, 0.0):
            reached, cancelled = rng.randint(0, 3), False
        else:
            cancelled = rng.random() < 0.1
            reached = rng.randint(0, 2) if cancelled else 4
        method = "transfer" if rng.random() < 0.25 else "cash"
        paid = not cancelled and (reached == 4 or (method == "transfer" and reached >= 1))
        if coop.members and rng.random() < 0.4:
            user_id, name, phone = rng.choice(coop.members)
        else:
            user_id, name, phone = None, self.person(), f"+62813{rng.randrange(10**8):08d}"
        zone, fee = rng.choice(ZONES) if fulfilment == "delivery" else (None, 0)
        quantities: dict[int, int] = defaultdict(int)
        chosen = {i.id: i for i in rng.choices(items, cum_weights=weights, k=rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))}
        for item in chosen.values():
            quantities[item.id] = min(rng.randint(1, 3), item.template.max_qty or 3)
        oid = w.new_id("customer_order")
        placed = local(day, rng.randint(7, 15), rng.randint(0, 59))
        times = [placed]
        for _ in range(reached + cancelled):
            times.append(times[-1] + datetime.timedelta(minutes=rng.randint(20, 90)))
        statuses = [*steps[: reached + 1], *(["cancelled"] if cancelled else [])]
        subtotal = sum(chosen[pid].retail * q for pid, q in quantities.items())
        w.add("customer_order", {
            "id": oid, "cooperative_id": coop.id, "number": self.order_number(coop.prefix, day),
            "token": base64.urlsafe_b64encode(rng.randbytes(24)).decode(), "user_id": user_id,
            "idempotency_key": None, "idempotency_fingerprint": None, "status": statuses[-1],
            "payment_status": "paid" if paid else "unpaid", "payment_method": method, "fulfilment": fulfilment,
            "customer_name": name, "customer_phone": phone, "dusun": zone, "rt": None, "rw": None,
            "landmark": "dekat langgar" if zone else None, "note": None, "subtotal": subtotal,
            "delivery_fee": fee, "total": subtotal + fee, "created_at": placed, "updated_at": times[-1],
        })
        for pid, quantity in quantities.items():
            self.line(coop, oid, chosen[pid], quantity, placed, cancelled and times[-1])
            if statuses[-1] in ("completed", "cancelled") and chosen[pid].producer_id is not None:
                figures = books[(chosen[pid].producer_id or 0, day.replace(day=1))]
                value = (chosen[pid].retail * quantity, chosen[pid].producer_price * quantity)
                if cancelled:
                    figures[3] += quantity
                    figures[4] += value[0]
                else:
                    figures[0] += quantity
                    figures[1] += value[0]
                    figures[2] += value[1]
            if statuses[-1] == "completed":
                week_sold[day - datetime.timedelta(days=day.weekday())][pid] += quantity
        previous = None
        for status, at in zip(statuses, times, strict=True):
            staff = status != "placed"
            w.add("order_event", {
                "id": w.new_id("order_event"), "order_id": oid, "from_status": previous, "to_status": status,
                "actor_user_id": coop.staff_id if staff else user_id,
                "actor_label": coop.staff_label if staff else "Pembeli", "note": None, **self.stamps(at),
            })
            previous = status
        if paid:
            w.add("payment", {
                "id": w.new_id("payment"), "order_id": oid, "kind": "paid", "method": method, "amount": subtotal + fee,
                "reference": f"TRF-{oid}" if method == "transfer" else None, "note": None,
                "actor_user_id": coop.staff_id, "actor_label": coop.staff_label, **self.stamps(times[min(1, reached)]),
            })
        if fulfilment == "delivery" and reached >= 3 and not cancelled:
            done = times[-1] if reached == 4 else None
            cash = subtotal + fee if done and method == "cash" else 0
            runs[rng.choice(coop.couriers)].append((oid, cash, done))

    def line(
        self, coop: Coop, order_id: int, item: Item, quantity: int, placed: datetime.datetime,
        cancelled_at: datetime.datetime | bool,
    ) -> None:
        w = self.w
        w.add("order_line", {
            "id": w.new_id("order_line"), "order_id": order_id, "product_id": item.id,
            "producer_id": item.producer_id, "name": item.template.name, "unit": item.template.unit,
            "unit_price": item.retail, "producer_price": item.producer_price, "quantity": quantity,
            "line_total": item.retail * quantity, **self.stamps(placed),
        })
        self.ledger(coop.id, item.id, -quantity, "sale", order_id, placed)
        item.delta -= quantity
        if isinstance(cancelled_at, datetime.datetime):
            self.ledger(coop.id, item.id, quantity, "cancel", order_id, cancelled_at)
            item.delta += quantity
        else:
            item.sold += quantity

    def deliveries(self, coop: Coop, day: datetime.date, runs: Runs) -> None:
        """One run per courier and day; a courier's cash of a finished day is handed in and reconciled."""
        w = self.w
        for (courier_id, courier_name), stops in runs.items():
            run_id = w.new_id("delivery_run")
            w.add("delivery_run", {
                "id": run_id, "cooperative_id": coop.id, "courier_id": courier_id, "business_date": day,
                "created_by": coop.staff_id, **self.stamps(local(day, 7, 0)),
            })
            reconciliation = None
            if any(at for _, _, at in stops) and (self.today - day).days >= 2:
                reconciliation = w.new_id("cash_reconciliation")
                expected = sum(cash for _, cash, _ in stops)
                short = 5_000 if expected >= 50_000 and self.rng.random() < 0.05 else 0
                w.add("cash_reconciliation", {
                    "id": reconciliation, "cooperative_id": coop.id, "courier_id": courier_id,
                    "courier_name": courier_name, "business_date": day, "expected": expected,
                    "received": expected - short, "difference": -short,
                    "note": "Uang kembalian kurang" if short else None, "recorded_by": coop.staff_id,
                    **self.stamps(local(day, 18, 0)),
                })
            for order_id, cash, at in stops:
                w.add("delivery_stop", {
                    "id": w.new_id("delivery_stop"), "cooperative_id": coop.id, "run_id": run_id,
                    "courier_id": courier_id, "order_id": order_id, "delivered_at": at,
                    "delivered_on": day if at else None, "cash_collected": cash,
                    "reconciliation_id": reconciliation if at else None, **self.stamps(local(day, 7, 0)),
                })

    def refills(self, coop: Coop, items: dict[int, Item], week_sold: dict[datetime.date, dict[int, int]]) -> None:
        """Each week, what sold comes back: producers' goods as consignment receipts, the rest as restock."""
        last = self.today - datetime.timedelta(days=1)
        for week, sold in sorted(week_sold.items()):
            at = local(min(week + datetime.timedelta(days=6), last), 16, 0)
            for pid, quantity in sorted(sold.items()):
                item = items[pid]
                if item.producer_id is not None:
                    self.w.add("stock_receipt", {
                        "id": self.w.new_id("stock_receipt"), "cooperative_id": coop.id, "product_id": pid,
                        "producer_id": item.producer_id, "quantity": quantity,
                        "producer_price": item.producer_price, "total": quantity * item.producer_price,
                        "received_by": coop.staff_id, "note": "Barang titipan produsen diterima",
                        **self.stamps(at),
                    })
                self.ledger(coop.id, pid, quantity, "receipt" if item.producer_id else "restock", None, at)
                item.delta += quantity

    def settlements(self, coop: Coop, books: dict[tuple[int, datetime.date], list[int]]) -> None:
        """Whole months paid to producers; the last one only to every other producer, so some money is owed."""
        current = self.today.replace(day=1)
        last_full = (current - datetime.timedelta(days=1)).replace(day=1)
        for (producer_id, month), (units, sales, owed, cancelled_units, cancelled_value) in sorted(books.items()):
            end = (month + datetime.timedelta(days=32)).replace(day=1)
            if end > current or owed <= 0 or (month == last_full and producer_id % 2):
                continue
            paid_on = min(end + datetime.timedelta(days=4), self.today - datetime.timedelta(days=1))
            self.w.add("settlement", {
                "id": self.w.new_id("settlement"), "cooperative_id": coop.id, "producer_id": producer_id,
                "period_kind": "month", "period_start": month, "period_end": end, "units_sold": units,
                "sales_total": sales, "producer_total": owed, "cancelled_units": cancelled_units,
                "cancelled_value": cancelled_value, "amount_paid": owed, "method": "transfer",
                "reference": f"TRF-{month:%Y-%m}-{producer_id}", "paid_on": paid_on,
                "paid_by_user_id": coop.staff_id, "paid_by_label": coop.staff_label,
                **self.stamps(local(paid_on, 10, 0)),
            })
