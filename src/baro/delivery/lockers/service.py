"""Locker use cases, one unit of work each: open a locker bank, find lockers near an
address, reserve a compartment for an order, mark the parcel arrived, hand the customer a
pickup code, open the compartment for it once, and send back what nobody collected."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, select, update
from sqlalchemy.orm import Session

from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database, insert_or_ignore, table_of
from baro.core.events import record
from baro.core.failpoints import failpoint
from baro.core.geo import haversine_km
from baro.core.idempotency import IdempotentRequest
from baro.core.ids import new_id
from baro.core.tokens import hash_secret
from baro.network import (
    Facility,
    FacilityKind,
    FacilityNotFound,
    InvalidFacility,
    get_facility,
    list_facilities,
    open_facility,
)

from .domain import (
    INNER,
    AlreadyReserved,
    Box,
    CompartmentSize,
    InvalidLocker,
    InvalidPickupCode,
    Item,
    LockerBank,
    LockerFull,
    LockerNotFound,
    LockerOption,
    LockerOutOfRange,
    LockerUse,
    Opened,
    ParcelTooLarge,
    PickupCode,
    PickupCodeExpired,
    PickupCodeNotFound,
    Reservation,
    ReservationNotFound,
    ReservationState,
    ReservationStateConflict,
    event,
    parcel_of,
    sizes_that_fit,
)
from .repository import CompartmentRow, ReservationRow, reservation_of

# No 0/O, 1/I/L: read off a phone and typed on a locker's keypad. 31**8 ≈ 2**39.6.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# What a keypad or an app may send: the code in either case, dashes and spaces anywhere
# (it is shown as ABCD-EFGH). The API states it, so a malformed code is refused up front.
_CODE_CHARACTER = f"[{''.join(sorted(set(CODE_ALPHABET + CODE_ALPHABET.lower())))}]"
PICKUP_CODE_PATTERN = f"^[ -]*(?:{_CODE_CHARACTER}[ -]*){{{CODE_LENGTH}}}$"
DEFAULT_PICKUP_DAYS = 3
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 50.0
MAX_COMPARTMENTS = 500
_SIZE_RANK = {size: rank for rank, size in enumerate(CompartmentSize)}


def new_pickup_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str | None:
    """The code as stored (upper case, no dashes or spaces), or None when it cannot be one."""
    cleaned = code.replace("-", "").replace(" ", "").upper()
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def code_hash(locker_id: str, code: str) -> str:
    return hash_secret(f"{locker_id}:{code}")


def show_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class Lockers:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        pickup_days: int = DEFAULT_PICKUP_DAYS,
        idempotency_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        if pickup_days < 1:
            raise ValueError(f"pickup_days must be at least 1, got {pickup_days}")
        self._db = db
        self._clock = clock
        self._ttl = idempotency_ttl
        self.pickup_window = timedelta(days=pickup_days)

    # -- operators ---------------------------------------------------------------------

    def open_locker(
        self,
        name: str,
        lat: float,
        lng: float,
        compartments: Mapping[CompartmentSize, int],
        *,
        idempotency_key: str | None = None,
    ) -> LockerBank:
        """A locker bank at (lat, lng) with so many compartments of each size. With an
        idempotency key, a repeated request opens nothing new and returns the first bank."""
        counts = {CompartmentSize(size): n for size, n in compartments.items() if n}
        total = sum(counts.values())
        if any(n < 0 for n in counts.values()) or not 1 <= total <= MAX_COMPARTMENTS:
            raise InvalidLocker(
                f"a locker has between 1 and {MAX_COMPARTMENTS} compartments, got {total}"
            )
        request = (
            None
            if idempotency_key is None
            else IdempotentRequest.of(
                "lockers",
                idempotency_key,
                "open_locker",
                name=name,
                lat=lat,
                lng=lng,
                compartments={size.value: n for size, n in sorted(counts.items())},
            )
        )
        with self._db.transaction() as session:
            if request is not None:
                previous = idempotency.claim(session, request, now=self._clock.now(), ttl=self._ttl)
                if previous is not None:
                    return _bank_of(previous)
            try:
                facility = open_facility(
                    session,
                    name=name,
                    kind=FacilityKind.LOCKER,
                    lat=lat,
                    lng=lng,
                    capacity_units=total,
                )
            except InvalidFacility as error:
                raise InvalidLocker(error.message) from error
            for size in CompartmentSize:
                inner = INNER[size]
                for number in range(1, counts.get(size, 0) + 1):
                    session.add(
                        CompartmentRow(
                            id=new_id("cmp"),
                            locker_id=facility.id,
                            label=f"{size.value}{number:02d}",
                            size=size.value,
                            length_cm=inner.length_cm,
                            width_cm=inner.width_cm,
                            height_cm=inner.height_cm,
                        )
                    )
            bank = LockerBank(facility.id, name, facility.lat, facility.lng, counts)
            if request is not None:
                idempotency.complete(session, request, _bank_json(bank))
        return bank

    def mark_arrived(self, order_id: str) -> Reservation:
        """The courier put the parcel in its compartment. Repeating it changes nothing."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row, compartment = self._active(session, order_id, for_update=True)
            if row.state == ReservationState.ARRIVED:
                return reservation_of(row, compartment)
            row.state = ReservationState.ARRIVED.value
            row.arrived_at = now
            row.collect_by = now + self.pickup_window
            reservation = reservation_of(row, compartment)
            record(
                session, [event("arrived", reservation, now, collect_by=row.collect_by.isoformat())]
            )
        return reservation

    def return_uncollected(self) -> list[Reservation]:
        """Parcels not collected by their deadline go back: the compartment is freed, the
        code dies, and ``locker.uncollected`` tells the orders side to refund."""
        now = self._clock.now()
        with self._db.transaction() as session:
            ids = list(
                session.scalars(
                    _end(ReservationState.RETURNED, now)
                    .where(
                        ReservationRow.state == ReservationState.ARRIVED.value,
                        ReservationRow.collect_by <= now,
                    )
                    .returning(ReservationRow.id)
                )
            )
            returned = self._load(session, ids)
            record(session, [event("uncollected", r, now) for r in returned])
        return returned

    def occupancy(self) -> list[LockerUse]:
        """Every active locker bank, by name, with its compartments in use."""
        now = self._clock.now()
        with self._db.read() as session:
            banks = [f for f in list_facilities(session, [FacilityKind.LOCKER]) if f.active]
            sizes = Counter(session.scalars(select(CompartmentRow.locker_id)))
            active = session.execute(
                select(
                    ReservationRow.locker_id, ReservationRow.state, ReservationRow.collect_by
                ).where(ReservationRow.active_compartment_id.is_not(None))
            ).all()
        held, waiting, overdue = Counter[str](), Counter[str](), Counter[str]()
        for locker_id, state, collect_by in active:
            held[locker_id] += 1
            if state == ReservationState.ARRIVED.value:
                waiting[locker_id] += 1
                overdue[locker_id] += collect_by is not None and collect_by <= now
        return [
            LockerUse(b.id, b.name, sizes[b.id], held[b.id], waiting[b.id], overdue[b.id])
            for b in sorted(banks, key=lambda bank: bank.name)
        ]

    # -- customers ---------------------------------------------------------------------

    def near(
        self,
        lat: float,
        lng: float,
        parcel: Box | None = None,
        radius_km: float = DEFAULT_RADIUS_KM,
    ) -> list[LockerOption]:
        """Lockers within ``radius_km`` of (lat, lng), nearest first, with their free
        compartments per size; ``fits`` says whether one of them holds ``parcel``."""
        if not 0 < radius_km <= MAX_RADIUS_KM:
            raise InvalidLocker(f"radius_km must be in (0, {MAX_RADIUS_KM}], got {radius_km}")
        fitting = set(sizes_that_fit(parcel)) if parcel is not None else set(CompartmentSize)
        with self._db.read() as session:
            return _near(session, lat, lng, fitting, radius_km)

    def reserve(
        self,
        customer_id: str,
        order_id: str,
        locker_id: str,
        parcel: Box,
        *,
        near: tuple[float, float],
    ) -> tuple[Reservation, bool]:
        """Hold the smallest free compartment of ``locker_id`` that fits ``parcel`` for the
        order. Idempotent per order: a repeat returns the first reservation (True = replayed).
        A full locker raises LockerFull naming the lockers near ``near`` that do hold."""
        with self._db.transaction() as session:
            return self._reserve_in(session, customer_id, order_id, locker_id, parcel, near=near)

    def hold(
        self,
        session: Session,
        *,
        customer_id: str,
        order_id: str,
        locker_id: str,
        items: Sequence[Any],
        near: tuple[float, float],
    ) -> None:
        """``reserve`` inside the caller's transaction (placement's write: the order and
        its compartment commit together, or neither). ``items`` have the product's box
        (``length_cm``, ``width_cm``, ``height_cm``) and ``quantity``. A full locker raises
        LockerFull naming the lockers near ``near`` that hold, having written nothing."""
        parcel = parcel_of(
            [Item(Box(i.length_cm, i.width_cm, i.height_cm), i.quantity) for i in items]
        )
        self._reserve_in(session, customer_id, order_id, locker_id, parcel, near=near)

    def let_go(self, session: Session, order_id: str) -> None:
        """Free the order's compartment in the caller's transaction (the order was
        cancelled) if the parcel has not arrived; nothing when it holds none."""
        now = self._clock.now()
        ended = session.scalars(
            _end(ReservationState.RELEASED, now)
            .where(
                ReservationRow.active_order_id == order_id,
                ReservationRow.state == ReservationState.RESERVED.value,
            )
            .returning(ReservationRow.id)
        ).all()
        record(session, [event("released", r, now) for r in self._load(session, list(ended))])

    def _reserve_in(
        self,
        session: Session,
        customer_id: str,
        order_id: str,
        locker_id: str,
        parcel: Box,
        *,
        near: tuple[float, float],
    ) -> tuple[Reservation, bool]:
        fitting = sizes_that_fit(parcel)
        if not fitting:
            largest = INNER[CompartmentSize.L]
            raise ParcelTooLarge(
                f"the parcel ({_cm(parcel)}) fits no locker compartment; the largest is "
                f"{_cm(largest)}",
                parcel_cm=list(parcel.sides),
                largest_cm=list(largest.sides),
            )
        now = self._clock.now()
        facility = _require_locker(session, locker_id)
        existing = _active_for(session, order_id)
        if existing is not None:
            return _same_locker(existing, customer_id, locker_id), True
        distance = haversine_km(*near, facility.lat, facility.lng)
        if distance > MAX_RADIUS_KM:
            alternatives = [o for o in _near(session, *near, set(fitting), MAX_RADIUS_KM) if o.fits]
            raise LockerOutOfRange(
                f"locker {locker_id} is {distance:.0f} km from the delivery address; "
                f"choose one within {MAX_RADIUS_KM:.0f} km ({len(alternatives)} nearby)",
                locker_id=locker_id,
                alternatives=[_option_json(option) for option in alternatives[:10]],
            )
        free = session.scalars(
            select(CompartmentRow).where(
                CompartmentRow.locker_id == locker_id,
                CompartmentRow.size.in_([size.value for size in fitting]),
                ~select(ReservationRow.id)
                .where(ReservationRow.active_compartment_id == CompartmentRow.id)
                .exists(),
            )
        ).all()
        candidates = sorted(free, key=lambda c: (_SIZE_RANK[CompartmentSize(c.size)], c.label))
        failpoint("lockers.compartment_chosen")
        for compartment in candidates:
            reservation_id = new_id("lkr")
            taken = insert_or_ignore(
                session,
                table_of(ReservationRow),
                {
                    "id": reservation_id,
                    "order_id": order_id,
                    "customer_id": customer_id,
                    "locker_id": locker_id,
                    "compartment_id": compartment.id,
                    "active_compartment_id": compartment.id,
                    "active_order_id": order_id,
                    "state": ReservationState.RESERVED.value,
                    "code_hash": None,
                    "reserved_at": now,
                    "arrived_at": None,
                    "collect_by": None,
                    "ended_at": None,
                },
            )
            if taken:
                row = session.get_one(ReservationRow, reservation_id)
                reservation = reservation_of(row, compartment)
                record(session, [event("reserved", reservation, now, size=compartment.size)])
                failpoint("lockers.reserved")
                return reservation, False
            # Someone took this compartment since we looked, or reserved for this very
            # order: the unique indexes refused our row.
            existing = _active_for(session, order_id)
            if existing is not None:
                return _same_locker(existing, customer_id, locker_id), True
        alternatives = [
            option
            for option in _near(session, *near, set(fitting), MAX_RADIUS_KM)
            if option.fits and option.id != locker_id
        ]
        raise LockerFull(
            f"locker {locker_id} has no free compartment for a parcel of {_cm(parcel)}; "
            f"{len(alternatives)} locker(s) nearby do",
            locker_id=locker_id,
            alternatives=[_option_json(option) for option in alternatives[:10]],
        )

    def reservation(self, customer_id: str, order_id: str) -> Reservation:
        """The order's locker reservation (the active one, else the latest)."""
        with self._db.read() as session:
            found = session.execute(
                select(ReservationRow, CompartmentRow)
                .join(CompartmentRow, CompartmentRow.id == ReservationRow.compartment_id)
                .where(
                    ReservationRow.order_id == order_id,
                    ReservationRow.customer_id == customer_id,
                )
                .order_by(ReservationRow.active_order_id.is_(None), ReservationRow.id.desc())
                .limit(1)
            ).first()
        if found is None:
            raise ReservationNotFound(f"order {order_id} has no locker reservation")
        return reservation_of(*found)

    def release(self, customer_id: str, order_id: str) -> Reservation:
        """Give the compartment up before the parcel arrives (the customer changed their mind,
        the order was cancelled)."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row, compartment = self._active(session, order_id, for_update=True)
            if row.customer_id != customer_id:
                raise ReservationNotFound(f"order {order_id} has no locker reservation")
            if row.state != ReservationState.RESERVED:
                raise ReservationStateConflict(
                    f"the parcel is already in locker {row.locker_id}; it can only be collected"
                )
            session.execute(_end(ReservationState.RELEASED, now).where(ReservationRow.id == row.id))
            session.refresh(row)
            reservation = reservation_of(row, compartment)
            record(session, [event("released", reservation, now)])
        return reservation

    def issue_pickup_code(self, customer_id: str, order_id: str) -> PickupCode:
        """A new pickup code for the arrived parcel, returned once and stored only hashed.
        Asking again replaces it: the earlier code stops working."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row, compartment = self._active(session, order_id, for_update=True)
            if row.customer_id != customer_id:
                raise ReservationNotFound(f"order {order_id} has no locker reservation")
            if row.state != ReservationState.ARRIVED or row.collect_by is None:
                raise ReservationStateConflict(
                    f"the parcel for order {order_id} has not arrived at the locker yet"
                )
            if row.collect_by <= now:
                raise PickupCodeExpired(
                    f"the parcel was to be collected by {row.collect_by.isoformat()}; "
                    "it is being sent back and refunded"
                )
            code = new_pickup_code()
            # Two live codes of one locker colliding (1 in 31**8 per pair) would fail the
            # unique index and this request, not open a stranger's compartment.
            row.code_hash = code_hash(row.locker_id, code)
            reservation = reservation_of(row, compartment)
            record(session, [event("pickup_code_issued", reservation, now)])
        return PickupCode(show_code(code), reservation, row.collect_by)

    def pickup(self, locker_id: str, code: str) -> Opened:
        """Open the compartment that ``code`` belongs to, once."""
        cleaned = normalise_code(code)
        if cleaned is None:
            raise InvalidPickupCode("that is not a pickup code of this locker")
        hashed = code_hash(locker_id, cleaned)
        now = self._clock.now()
        with self._db.transaction() as session:
            opened = session.scalars(
                _end(ReservationState.COLLECTED, now)
                .where(
                    ReservationRow.code_hash == hashed,
                    ReservationRow.locker_id == locker_id,
                    ReservationRow.state == ReservationState.ARRIVED.value,
                    ReservationRow.collect_by > now,
                )
                .returning(ReservationRow.id)
            ).first()
            if opened is None:
                expired = session.scalar(
                    select(ReservationRow.id).where(ReservationRow.code_hash == hashed)
                )
                if expired is not None:
                    raise PickupCodeExpired(
                        "this pickup code has expired; the parcel is being sent back"
                    )
                raise PickupCodeNotFound("that is not a pickup code of this locker")
            (reservation,) = self._load(session, [opened])
            record(session, [event("collected", reservation, now)])
        return Opened(reservation)

    # -- helpers -----------------------------------------------------------------------

    @staticmethod
    def _active(
        session: Session, order_id: str, *, for_update: bool = False
    ) -> tuple[ReservationRow, CompartmentRow]:
        query = select(ReservationRow).where(ReservationRow.active_order_id == order_id)
        row = session.scalars(query.with_for_update() if for_update else query).first()
        if row is None:
            raise ReservationNotFound(f"order {order_id} has no active locker reservation")
        return row, session.get_one(CompartmentRow, row.compartment_id)

    @staticmethod
    def _load(session: Session, ids: list[str]) -> list[Reservation]:
        if not ids:
            return []
        rows = session.execute(
            select(ReservationRow, CompartmentRow)
            .join(CompartmentRow, CompartmentRow.id == ReservationRow.compartment_id)
            .where(ReservationRow.id.in_(ids))
            .order_by(ReservationRow.id)
            .execution_options(populate_existing=True)
        ).all()
        return [reservation_of(r, c) for r, c in rows]


def _end(state: ReservationState, now: datetime) -> Update:
    """The UPDATE that ends a reservation: its compartment, order slot and code are freed."""
    return update(ReservationRow).values(
        state=state.value,
        ended_at=now,
        active_compartment_id=None,
        active_order_id=None,
        code_hash=None,
    )


def _bank_json(bank: LockerBank) -> dict[str, Any]:
    counts = {size.value: n for size, n in bank.compartments.items()}
    return {"id": bank.id, "name": bank.name, "lat": bank.lat, "lng": bank.lng, "counts": counts}


def _bank_of(stored: dict[str, Any]) -> LockerBank:
    counts = {CompartmentSize(size): n for size, n in stored["counts"].items()}
    return LockerBank(stored["id"], stored["name"], stored["lat"], stored["lng"], counts)


def _require_locker(session: Session, locker_id: str) -> Facility:
    try:
        facility = get_facility(session, locker_id)
    except FacilityNotFound as error:
        raise LockerNotFound(f"no locker {locker_id!r}") from error
    if facility.kind is not FacilityKind.LOCKER or not facility.active:
        raise LockerNotFound(f"no locker {locker_id!r}")
    return facility


def _active_for(session: Session, order_id: str) -> Reservation | None:
    found = session.execute(
        select(ReservationRow, CompartmentRow)
        .join(CompartmentRow, CompartmentRow.id == ReservationRow.compartment_id)
        .where(ReservationRow.active_order_id == order_id)
    ).first()
    return reservation_of(*found) if found else None


def _same_locker(existing: Reservation, customer_id: str, locker_id: str) -> Reservation:
    if existing.customer_id != customer_id:
        raise ReservationNotFound(f"order {existing.order_id} is not yours")
    if existing.locker_id != locker_id:
        raise AlreadyReserved(
            f"order {existing.order_id} already holds compartment "
            f"{existing.compartment_label} at locker {existing.locker_id}; release it first",
            locker_id=existing.locker_id,
        )
    return existing


def _near(
    session: Session,
    lat: float,
    lng: float,
    fitting: set[CompartmentSize],
    radius_km: float,
) -> list[LockerOption]:
    lockers = [
        (haversine_km(lat, lng, f.lat, f.lng), f)
        for f in list_facilities(session, [FacilityKind.LOCKER])
        if f.active
    ]
    lockers = sorted(((d, f) for d, f in lockers if d <= radius_km), key=lambda pair: pair[0])
    if not lockers:
        return []
    free: dict[str, Counter[CompartmentSize]] = {f.id: Counter() for _, f in lockers}
    rows = session.execute(
        select(CompartmentRow.locker_id, CompartmentRow.size).where(
            CompartmentRow.locker_id.in_(list(free)),
            ~select(ReservationRow.id)
            .where(ReservationRow.active_compartment_id == CompartmentRow.id)
            .exists(),
        )
    )
    for locker_id, size in rows:
        free[locker_id][CompartmentSize(size)] += 1
    return [
        LockerOption(
            id=f.id,
            name=f.name,
            lat=f.lat,
            lng=f.lng,
            distance_km=round(distance, 3),
            free={size: free[f.id][size] for size in CompartmentSize},
            fits=any(free[f.id][size] for size in fitting),
        )
        for distance, f in lockers
    ]


def _option_json(option: LockerOption) -> dict[str, object]:
    return {
        "id": option.id,
        "name": option.name,
        "distance_km": option.distance_km,
        "free": {size.value: n for size, n in option.free.items()},
    }


def _cm(box: Box) -> str:
    return "×".join(str(side) for side in box.sides) + " cm"
