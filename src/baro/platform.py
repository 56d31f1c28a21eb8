"""The composition root: one place that wires settings, database, clock and gateway into the
services. Channels (web, CLI), the twin and the benches all start from ``Platform``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from baro.commerce.catalog import Catalog
from baro.commerce.customers import Customers
from baro.commerce.orders import Cart, Orders
from baro.commerce.payments import PaymentGateway, SandboxGateway
from baro.core.clock import Clock, SystemClock
from baro.core.config import Settings
from baro.core.db import make_engine, make_session_factory
from baro.network import Network


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    gateway: PaymentGateway
    catalog: Catalog
    customers: Customers
    orders: Orders
    cart: Cart
    network: Network

    @classmethod
    def start(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        gateway: PaymentGateway | None = None,
        engine: Engine | None = None,
    ) -> Platform:
        clock = clock or SystemClock()
        # The sandbox is the only gateway shipped; a real one is passed in by the operator.
        gateway = gateway or SandboxGateway(clock)
        engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
        sessions = make_session_factory(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            clock=clock,
            gateway=gateway,
            catalog=Catalog(sessions),
            customers=Customers(sessions, clock),
            orders=Orders(
                sessions,
                clock,
                gateway,
                cancel_window=timedelta(minutes=settings.cancel_window_minutes),
                idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
                max_quantity=settings.max_order_quantity,
            ),
            cart=Cart(sessions, clock, settings.max_order_quantity),
            network=Network(sessions, clock, timedelta(hours=settings.idempotency_ttl_hours)),
        )

    def close(self) -> None:
        self.engine.dispose()
