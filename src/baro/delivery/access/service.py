"""In-car delivery use cases, one unit of work each. An attempt to open a trunk is decided
and logged in one transaction that always commits (a refused attempt must stay in the audit
log and in the wrong-code count); the refusal is raised after the commit."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baro.core.clock import Clock
from baro.core.db import Database, insert_or_ignore, table_of
from baro.core.events import record
from baro.core.failpoints import failpoint
from baro.core.geo import check_coordinates
from baro.core.ids import new_id
from baro.core.tokens import hash_secret, new_secret, same_secret

from .domain import (
    LIVE,
    MAX_PLATE_LENGTH,
    MAX_WRONG_ATTEMPTS,
    PLATE_PATTERN,
    AccessCode,
    AccessDenied,
    AlreadyConsented,
    Attempt,
    CodeAlreadyIssued,
    Courier,
    CourierNotAuthenticated,
    CourierNotFound,
    InvalidVehicle,
    InvalidWindow,
    NewCourier,
    NotYourDelivery,
    Outcome,
    RegisteredVehicle,
    TrunkDelivery,
    TrunkDeliveryNotFound,
    TrunkState,
    TrunkStateConflict,
    Vehicle,
    VehicleAlreadyRegistered,
    VehicleNotAuthenticated,
    VehicleNotFound,
    event,
)
from .repository import (
    CourierRow,
    TrunkAttemptRow,
    TrunkDeliveryRow,
    VehicleRow,
    courier_of,
    delivery_of,
    vehicle_of,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_WINDOW = timedelta(hours=12)
MAX_AHEAD = timedelta(days=14)


def _code_hash(delivery_id: str, code: str) -> str:
    return hash_secret(f"{delivery_id}:{code}")


def _normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()[:64]


class TrunkAccess:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- customers ---------------------------------------------------------------------

    def register_vehicle(
        self, customer_id: str, *, plate: str, make: str, model: str, lat: float, lng: float
    ) -> RegisteredVehicle:
        """The customer's car; its telematics key (returned once) reports the trunk locked."""
        if len(plate) > MAX_PLATE_LENGTH or not re.fullmatch(PLATE_PATTERN, plate):
            raise InvalidVehicle(
                f"a plate is 1 to {MAX_PLATE_LENGTH} letters (A-Z, Hangul), digits and dashes",
                field="plate",
            )
        plate = plate.replace(" ", "").upper()
        _check_place(lat, lng)
        key = new_secret("tk")
        now = self._clock.now()
        row = VehicleRow(
            id=new_id("veh"),
            customer_id=customer_id,
            plate=plate,
            make=make.strip(),
            model=model.strip(),
            lat=lat,
            lng=lng,
            telematics_key_hash=hash_secret(key),
            registered_at=now,
        )
        try:
            with self._db.transaction() as session:
                session.add(row)
                session.flush()
        except IntegrityError as error:
            with self._db.read() as session:
                known = session.scalar(
                    select(VehicleRow.id).where(
                        VehicleRow.customer_id == customer_id, VehicleRow.plate == plate
                    )
                )
            raise VehicleAlreadyRegistered(
                f"you already registered {plate}", vehicle_id=known
            ) from error
        return RegisteredVehicle(vehicle_of(row), key)

    def vehicle_owners(self) -> set[str]:
        """The customers with a registered car (for the delivery promise's view: in-car
        holds only for them; consent is still given per order)."""
        with self._db.read() as session:
            return set(session.scalars(select(VehicleRow.customer_id).distinct()))

    def vehicles(self, customer_id: str) -> list[Vehicle]:
        with self._db.read() as session:
            rows = session.scalars(
                select(VehicleRow)
                .where(VehicleRow.customer_id == customer_id)
                .order_by(VehicleRow.id)
            )
            return [vehicle_of(row) for row in rows]

    def park(self, customer_id: str, vehicle_id: str, lat: float, lng: float) -> Vehicle:
        """Where the car is parked now (the courier goes there)."""
        _check_place(lat, lng)
        with self._db.transaction() as session:
            row = _own_vehicle(session, customer_id, vehicle_id)
            row.lat, row.lng = lat, lng
            return vehicle_of(row)

    def consent(
        self,
        customer_id: str,
        order_id: str,
        vehicle_id: str,
        window_start: datetime,
        window_end: datetime,
    ) -> tuple[TrunkDelivery, bool]:
        """The customer lets a courier open this car's trunk for this order, in this window.
        Idempotent per order (True = the same consent given before)."""
        now = self._clock.now()
        _check_window(window_start, window_end, now)
        with self._db.transaction() as session:
            _own_vehicle(session, customer_id, vehicle_id)
            delivery_id = new_id("trk")
            # The unique order_id decides between two consents sent at once: the second
            # waits for the first to commit, inserts nothing and takes the path of a repeat.
            inserted = insert_or_ignore(
                session,
                table_of(TrunkDeliveryRow),
                {
                    "id": delivery_id,
                    "order_id": order_id,
                    "customer_id": customer_id,
                    "vehicle_id": vehicle_id,
                    "courier_id": None,
                    "window_start": window_start,
                    "window_end": window_end,
                    "state": TrunkState.CONSENTED.value,
                    "code_hash": None,
                    "failed_attempts": 0,
                    "code_issued_at": None,
                    "opened_at": None,
                    "ended_at": None,
                    "created_at": now,
                },
            )
            failpoint("trunk.consent_written")
            row = session.scalars(
                select(TrunkDeliveryRow)
                .where(TrunkDeliveryRow.order_id == order_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
            if not inserted:
                if row.customer_id != customer_id:
                    raise TrunkDeliveryNotFound(f"order {order_id} is not yours")
                asked = (vehicle_id, window_start, window_end)
                if (row.vehicle_id, row.window_start, row.window_end) == asked and (
                    row.state in LIVE
                ):
                    return delivery_of(row), True
                if row.state not in (TrunkState.REVOKED, TrunkState.EXPIRED):
                    raise AlreadyConsented(
                        f"order {order_id} already has in-car delivery ({row.state}); "
                        "withdraw it first to change the car or the window",
                        delivery_id=row.id,
                    )
                # Consent given again after it was withdrawn or ran out: a fresh start.
                row.vehicle_id, row.window_start, row.window_end = asked
                row.state = TrunkState.CONSENTED.value
                row.courier_id = None
                row.failed_attempts = 0
                row.code_hash = row.code_issued_at = row.opened_at = row.ended_at = None
            delivery = delivery_of(row)
            record(session, [event("consented", delivery, now)])
        return delivery, False

    def for_order(self, customer_id: str, order_id: str) -> TrunkDelivery:
        with self._db.read() as session:
            row = session.scalar(
                select(TrunkDeliveryRow).where(
                    TrunkDeliveryRow.order_id == order_id,
                    TrunkDeliveryRow.customer_id == customer_id,
                )
            )
            if row is None:
                raise TrunkDeliveryNotFound(f"order {order_id} has no in-car delivery")
            return delivery_of(row)

    def withdraw(self, customer_id: str, order_id: str) -> TrunkDelivery:
        """The customer takes consent back: any code dies at once."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row = session.scalar(
                select(TrunkDeliveryRow)
                .where(
                    TrunkDeliveryRow.order_id == order_id,
                    TrunkDeliveryRow.customer_id == customer_id,
                )
                .with_for_update()
            )
            if row is None:
                raise TrunkDeliveryNotFound(f"order {order_id} has no in-car delivery")
            if row.state == TrunkState.REVOKED:
                return delivery_of(row)
            if row.state not in LIVE:
                raise TrunkStateConflict(f"the in-car delivery is already {row.state}")
            _end(row, TrunkState.REVOKED, now)
            delivery = delivery_of(row)
            record(session, [event("revoked", delivery, now)])
        return delivery

    # -- operators ---------------------------------------------------------------------

    def add_courier(self, name: str) -> NewCourier:
        name = name.strip()
        if not name:
            raise InvalidVehicle("a courier needs a name", field="name")
        key = new_secret("ck")
        row = CourierRow(
            id=new_id("cou"), name=name, key_hash=hash_secret(key), created_at=self._clock.now()
        )
        with self._db.transaction() as session:
            session.add(row)
        return NewCourier(courier_of(row), key)

    def assign(self, delivery_id: str, courier_id: str) -> TrunkDelivery:
        """Name the courier who delivers. Reassigning to another courier destroys a code
        already issued; naming the same courier again changes nothing."""
        now = self._clock.now()
        with self._db.transaction() as session:
            if session.get(CourierRow, courier_id) is None:
                raise CourierNotFound(f"no courier {courier_id!r}")
            row = _delivery(session, delivery_id, for_update=True)
            if row.courier_id == courier_id and row.state in LIVE:
                return delivery_of(row)  # a repeat: the code already issued stays valid
            if row.state not in LIVE:
                raise TrunkStateConflict(f"the in-car delivery is already {row.state}")
            if now >= row.window_end:
                _end(row, TrunkState.EXPIRED, now)
                record(session, [event("expired", delivery_of(row), now)])
            else:
                row.courier_id = courier_id
                row.state = TrunkState.ASSIGNED.value
                row.code_hash = None
                row.code_issued_at = None
                row.failed_attempts = 0
                record(session, [event("courier_assigned", delivery_of(row), now)])
            delivery = delivery_of(row)
        if delivery.state is TrunkState.EXPIRED:
            raise TrunkStateConflict("the delivery window has ended", window_end=row.window_end)
        return delivery

    def attempts(self, delivery_id: str) -> list[Attempt]:
        """The audit log of one delivery, oldest first."""
        with self._db.read() as session:
            rows = session.scalars(
                select(TrunkAttemptRow)
                .where(TrunkAttemptRow.delivery_id == delivery_id)
                .order_by(TrunkAttemptRow.at, TrunkAttemptRow.id)
            )
            return [
                Attempt(r.id, r.delivery_id, r.courier_id, r.vehicle_id, Outcome(r.outcome), r.at)
                for r in rows
            ]

    def expire_windows(self) -> list[TrunkDelivery]:
        """End every live delivery whose window has passed (their codes die)."""
        now = self._clock.now()
        with self._db.transaction() as session:
            rows = session.scalars(
                select(TrunkDeliveryRow)
                .where(
                    TrunkDeliveryRow.state.in_([s.value for s in LIVE]),
                    TrunkDeliveryRow.window_end <= now,
                )
                .order_by(TrunkDeliveryRow.id)
                .with_for_update()
            ).all()
            for row in rows:
                _end(row, TrunkState.EXPIRED, now)
            expired = [delivery_of(row) for row in rows]
            record(session, [event("expired", d, now) for d in expired])
        return expired

    # -- couriers ----------------------------------------------------------------------

    def courier(self, key: str) -> Courier:
        with self._db.read() as session:
            row = session.scalar(select(CourierRow).where(CourierRow.key_hash == hash_secret(key)))
        if row is None or not same_secret(key, row.key_hash):
            raise CourierNotAuthenticated("the courier key is not valid")
        return courier_of(row)

    def assigned_to(self, courier_id: str) -> list[tuple[TrunkDelivery, Vehicle]]:
        """The courier's live in-car deliveries with the car to find (plate, where parked)."""
        with self._db.read() as session:
            rows = session.execute(
                select(TrunkDeliveryRow, VehicleRow)
                .join(VehicleRow, VehicleRow.id == TrunkDeliveryRow.vehicle_id)
                .where(
                    TrunkDeliveryRow.courier_id == courier_id,
                    TrunkDeliveryRow.state.in_(
                        [TrunkState.ASSIGNED.value, TrunkState.CODE_ISSUED.value]
                    ),
                )
                .order_by(TrunkDeliveryRow.window_start, TrunkDeliveryRow.id)
            ).all()
            return [(delivery_of(d), vehicle_of(v)) for d, v in rows]

    def issue_code(self, courier_id: str, delivery_id: str) -> AccessCode:
        """The one-time code, to the assigned courier only, once; stored only hashed."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row = _delivery(session, delivery_id, for_update=True)
            if row.courier_id != courier_id:
                raise NotYourDelivery(f"delivery {delivery_id} is not assigned to you")
            if row.state == TrunkState.CODE_ISSUED:
                raise CodeAlreadyIssued(
                    "the code was issued once and is not shown again; an operator can "
                    "reassign the delivery to issue a new one"
                )
            if row.state != TrunkState.ASSIGNED:
                raise TrunkStateConflict(f"the in-car delivery is {row.state}")
            if now >= row.window_end:
                _end(row, TrunkState.EXPIRED, now)
                record(session, [event("expired", delivery_of(row), now)])
                expired = True
            else:
                expired = False
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                row.code_hash = _code_hash(row.id, code)
                row.code_issued_at = now
                row.state = TrunkState.CODE_ISSUED.value
                record(session, [event("code_issued", delivery_of(row), now)])
            delivery = delivery_of(row)
        if expired:
            raise TrunkStateConflict("the delivery window has ended", window_end=row.window_end)
        return AccessCode(
            f"{code[:4]}-{code[4:]}", delivery, delivery.window_start, delivery.window_end
        )

    def open_trunk(
        self, courier_id: str, delivery_id: str, vehicle_id: str, code: str, *, client: str
    ) -> TrunkDelivery:
        """The courier at a car enters the code. Opens the trunk (event ``trunk.opened``,
        which the car acts on) or raises AccessDenied; logged either way."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row = session.get(TrunkDeliveryRow, delivery_id, with_for_update=True)
            failpoint("trunk.attempt_locked")
            outcome = (
                Outcome.UNKNOWN_DELIVERY
                if row is None
                else _decide(session, row, courier_id, vehicle_id, code, now)
            )
            session.add(
                TrunkAttemptRow(
                    id=new_id("tka"),
                    delivery_id=delivery_id,
                    courier_id=courier_id,
                    vehicle_id=vehicle_id,
                    outcome=outcome.value,
                    client=client[:64],
                    at=now,
                )
            )
            delivery = delivery_of(row) if row is not None else None
        if delivery is None:
            raise TrunkDeliveryNotFound(f"no in-car delivery {delivery_id!r}")
        if outcome is not Outcome.OPENED:
            raise AccessDenied(
                _REASONS[outcome],
                reason=outcome.value,
                attempts_left=max(0, MAX_WRONG_ATTEMPTS - delivery.failed_attempts),
            )
        return delivery

    # -- cars --------------------------------------------------------------------------

    def vehicle(self, telematics_key: str) -> Vehicle:
        with self._db.read() as session:
            row = session.scalar(
                select(VehicleRow).where(
                    VehicleRow.telematics_key_hash == hash_secret(telematics_key)
                )
            )
        if row is None:
            raise VehicleNotAuthenticated("the vehicle's telematics key is not valid")
        return vehicle_of(row)

    def trunk_locked(self, vehicle_id: str) -> list[TrunkDelivery]:
        """The car reports its trunk locked: every opened delivery to it is done and its code
        destroyed. A repeated report finds nothing left to do."""
        now = self._clock.now()
        with self._db.transaction() as session:
            rows = session.scalars(
                select(TrunkDeliveryRow)
                .where(
                    TrunkDeliveryRow.vehicle_id == vehicle_id,
                    TrunkDeliveryRow.state == TrunkState.OPENED.value,
                )
                .order_by(TrunkDeliveryRow.id)
                .with_for_update()
            ).all()
            for row in rows:
                _end(row, TrunkState.DELIVERED, now)
            done = [delivery_of(row) for row in rows]
            record(session, [event("locked", d, now) for d in done])
        return done


_REASONS = {
    Outcome.WRONG_CODE: "wrong code",
    Outcome.WRONG_VEHICLE: "this code is not for this car",
    Outcome.WRONG_COURIER: "this delivery is assigned to another courier",
    Outcome.OUTSIDE_WINDOW: "the delivery window has not started",
    Outcome.EXPIRED: "the delivery window has ended; the code is void",
    Outcome.LOCKED_OUT: "too many wrong codes; the code is locked",
    Outcome.ALREADY_USED: "the code was already used",
    Outcome.NO_CODE: "no code has been issued for this delivery",
    Outcome.REVOKED: "the customer withdrew consent",
}


def _decide(
    session: Session,
    row: TrunkDeliveryRow,
    courier_id: str,
    vehicle_id: str,
    code: str,
    now: datetime,
) -> Outcome:
    """Decide one attempt on a locked row, changing it as the outcome demands."""
    state = TrunkState(row.state)
    if row.courier_id != courier_id:
        return Outcome.WRONG_COURIER  # not counted: another courier cannot lock ours out
    if state is TrunkState.LOCKED_OUT:
        return Outcome.LOCKED_OUT
    if state in (TrunkState.OPENED, TrunkState.DELIVERED):
        return Outcome.ALREADY_USED
    if state is TrunkState.EXPIRED:
        return Outcome.EXPIRED
    if state is TrunkState.REVOKED:
        return Outcome.REVOKED
    if state is not TrunkState.CODE_ISSUED or row.code_hash is None:
        return Outcome.NO_CODE
    if now >= row.window_end:
        _end(row, TrunkState.EXPIRED, now)
        record(session, [event("expired", delivery_of(row), now)])
        return Outcome.EXPIRED
    if now < row.window_start:
        return Outcome.OUTSIDE_WINDOW  # the code is not even checked
    wrong = (
        Outcome.WRONG_VEHICLE
        if vehicle_id != row.vehicle_id
        else None
        if same_secret(f"{row.id}:{_normalise(code)}", row.code_hash)
        else Outcome.WRONG_CODE
    )
    if wrong is not None:
        row.failed_attempts += 1
        if row.failed_attempts >= MAX_WRONG_ATTEMPTS:
            _end(row, TrunkState.LOCKED_OUT, now)
            record(session, [event("locked_out", delivery_of(row), now)])
        return wrong
    row.state = TrunkState.OPENED.value
    row.opened_at = now
    record(session, [event("opened", delivery_of(row), now)])
    return Outcome.OPENED


def _end(row: TrunkDeliveryRow, state: TrunkState, now: datetime) -> None:
    row.state = state.value
    row.code_hash = None
    row.ended_at = now


def _delivery(session: Session, delivery_id: str, *, for_update: bool) -> TrunkDeliveryRow:
    row = session.get(TrunkDeliveryRow, delivery_id, with_for_update=for_update)
    if row is None:
        raise TrunkDeliveryNotFound(f"no in-car delivery {delivery_id!r}")
    return row


def _own_vehicle(session: Session, customer_id: str, vehicle_id: str) -> VehicleRow:
    row = session.get(VehicleRow, vehicle_id)
    if row is None or row.customer_id != customer_id:
        raise VehicleNotFound(f"no vehicle {vehicle_id!r} of yours")
    return row


def _check_place(lat: float, lng: float) -> None:
    try:
        check_coordinates(lat, lng)
    except ValueError as error:
        raise InvalidVehicle(str(error), field="lat") from error


def _check_window(start: datetime, end: datetime, now: datetime) -> None:
    hours = MAX_WINDOW.total_seconds() / 3600
    holds = {"earliest_start": now, "max_hours": hours, "latest_start": now + MAX_AHEAD}
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidWindow("window times need a time zone (e.g. Z)", **holds)
    if end <= now:
        raise InvalidWindow(f"the window ends in the past ({end.isoformat()})", **holds)
    if start < now - timedelta(minutes=1):
        raise InvalidWindow(
            f"the window starts in the past ({start.isoformat()}); start at or after "
            f"{now.isoformat()}",
            **holds,
        )
    if end <= start:
        raise InvalidWindow("the window must end after it starts", **holds)
    if end - start > MAX_WINDOW:
        raise InvalidWindow(f"a window is at most {hours:g} hours", **holds)
    if start > now + MAX_AHEAD:
        raise InvalidWindow(f"a window starts within {MAX_AHEAD.days} days", **holds)
