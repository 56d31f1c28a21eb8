"""A customer's notifications: what the platform tells them it did on their behalf (an
appliance reordered, at this price, cancellable until then). Each one is also an outbox event
(``customer.notified``), so that an e-mail or push sender can deliver it; the inbox here is
what the storefront and the API show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.clock import Clock
from baro.core.db import Base, Database, UTCDateTime
from baro.core.events import DomainEvent, record
from baro.core.ids import new_id

MAX_LISTED = 100


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_customer_created", "customer_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    # Where the customer acts on it (cancel the order, confirm a held reorder).
    link: Mapped[str | None] = mapped_column(String(300))
    order_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Notification:
    id: str
    customer_id: str
    kind: str
    subject: str
    body: str
    link: str | None
    order_id: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class Notified(DomainEvent):
    @property
    def event_type(self) -> str:
        return "customer.notified"


def notify(session: Session, notification: Notification) -> None:
    """Write a notification and its outbox event in the caller's transaction."""
    session.add(NotificationRow(**notification.__dict__))
    record(
        session,
        [
            Notified(
                aggregate_id=notification.customer_id,
                occurred_at=notification.created_at,
                data={
                    "notification_id": notification.id,
                    "kind": notification.kind,
                    "subject": notification.subject,
                    "link": notification.link,
                    "order_id": notification.order_id,
                },
            )
        ],
    )


class Notifications:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def new(
        self,
        customer_id: str,
        kind: str,
        subject: str,
        body: str,
        *,
        link: str | None = None,
        order_id: str | None = None,
    ) -> Notification:
        """A notification not yet sent (``notify`` writes it with the caller's changes)."""
        return Notification(
            new_id("ntf"),
            customer_id,
            kind,
            subject[:200],
            body[:2000],
            link,
            order_id,
            self._clock.now(),
            None,
        )

    def send(self, notification: Notification) -> Notification:
        with self._db.transaction() as session:
            notify(session, notification)
        return notification

    def of(self, customer_id: str, *, limit: int = MAX_LISTED) -> list[Notification]:
        """The customer's newest notifications first."""
        with self._db.read() as session:
            rows = session.scalars(
                select(NotificationRow)
                .where(NotificationRow.customer_id == customer_id)
                .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
                .limit(min(limit, MAX_LISTED))
            )
            return [_notification(row) for row in rows]

    def mark_read(self, customer_id: str, notification_ids: list[str]) -> int:
        """Only the customer's own notifications are marked; how many were."""
        with self._db.transaction() as session:
            result = session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.customer_id == customer_id,
                    NotificationRow.id.in_(notification_ids),
                    NotificationRow.read_at.is_(None),
                )
                .values(read_at=self._clock.now())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _notification(row: NotificationRow) -> Notification:
    return Notification(
        row.id,
        row.customer_id,
        row.kind,
        row.subject,
        row.body,
        row.link,
        row.order_id,
        row.created_at,
        row.read_at,
    )
