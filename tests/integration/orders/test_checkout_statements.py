"""One checkout stays cheap: the SQL statements of a two-line order, counted in-process (no timing)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, select

from app.db import DatabaseConfig
from app.models import Cooperative
from app.settings import Settings
from finance.events import install_ledger_posting
from orders import services as orders
from orders.schemas import CustomerIn, LineIn, OrderCreate
from tests.support import data

# Counted from the key lookup to the rollups (the cooperative is loaded and the transaction begun before): the
# key, the products, the order in a savepoint (3), one stock UPDATE, the outbox, ledger rows and lines (one
# statement each on PostgreSQL, one per line on SQLite), the event, time zone and closed year, the journal (2),
# the rollups (3): 18 on SQLite, 16 on PostgreSQL (35 and 33 before), one of slack.
MOST = {"sqlite": 19, "postgresql": 17}


async def test_a_two_line_checkout_takes_few_statements(quiet_settings: Settings) -> None:
    install_ledger_posting()
    db = DatabaseConfig(quiet_settings)
    try:
        first = await data.make_product(db, stock=5)
        second = await data.make_product(db, stock=5)
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        request = OrderCreate(
            customer=CustomerIn(name="Ibu Hemat", phone="081234567890"),
            fulfilment="pickup",
            payment_method="cash",
            lines=[LineIn(product_id=second.id, quantity=2), LineIn(product_id=first.id, quantity=1)],
        )
        async with db.session(write=True) as session:
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
            assert coop is not None
            dialect = session.get_bind().dialect.name
            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            try:
                order, created = await orders.place_order(session, coop, request, idempotency_key=uuid.uuid4().hex)
            finally:
                event.remove(db.engine.sync_engine, "before_cursor_execute", count)
            await session.commit()
        assert created
        assert [(line.product_id, line.quantity) for line in order.lines] == [(first.id, 1), (second.id, 2)]
        assert [e.to_status for e in order.events] == ["placed"] and order.payments == []
        assert len(statements) <= MOST[dialect], "\n".join(statements)
        assert await data.stock_of(db, first.id) == 4 and await data.stock_of(db, second.id) == 3
        assert await data.ledger_sum(db, first.id) == 4 and await data.ledger_sum(db, second.id) == 3
    finally:
        await db.dispose()
