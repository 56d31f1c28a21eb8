"""The API's public shapes. Built from domain objects; clients cannot set server-owned fields."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from baro.commerce.catalog import Facets, Product, ProductWithStock
from baro.commerce.orders import CartItem, Order
from baro.core.money import Money
from baro.delivery.promise import Mode
from baro.network import Facility, StockLevel

# Every string a client sends is one of these types (body fields, path and query parameters,
# stored headers). PostgreSQL text cannot hold NUL, UTF-8 cannot encode a lone surrogate
# (pydantic refuses one when a pattern is set), and no id, key or search has a use for a
# control character: refused with a 422 at the edge, the same on every database.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
# An id is also never empty and never holds "/" (it could not be addressed in a path).
ID_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f/]+$"
MAX_ID_LENGTH = 40  # every id column is String(40)
MAX_RECEIVED = 1_000_000  # units on one delivery note

Id = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_CHARACTERS)
]
# A search is cut to its first 200 characters before analysis (catalog.search.analysis), so
# a longer one is answered, not refused; past this it is not a query but a misuse. Tabs and
# new lines are spaces to a search (pasted text), other control characters are refused.
MAX_SEARCH_TEXT = 10_000
SearchText = Annotated[
    str,
    StringConstraints(
        max_length=MAX_SEARCH_TEXT, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    ),
]
Category = Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROL_CHARACTERS)]
KeyText = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=NO_CONTROL_CHARACTERS)
]


class Input(BaseModel):
    """A request body: unknown fields are refused, and nothing is coerced (``true``, ``"1"``
    and ``1.0`` are not the integer 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``); some errors add
    fields (``errors`` for invalid requests, the numbers of an out-of-stock)."""

    type: str = Field(description="urn:baro:problem:<code>")
    title: str = Field(description="The HTTP status phrase")
    status: int
    detail: str = Field(description="What went wrong, with the numbers")
    code: str = Field(description="Stable and machine-readable, e.g. out_of_stock")


class MoneyOut(BaseModel):
    amount: str = Field(description="Exact decimal amount in major units, e.g. '19.90'")
    currency: str = Field(description="ISO 4217 code")
    minor: int = Field(description="Integer minor units (centavos, cents; won have none)")

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=str(money.amount), currency=money.currency, minor=money.minor)


class ProductOut(BaseModel):
    id: str
    sku: str
    title_ko: str
    title_en: str
    category: str
    price: MoneyOut
    weight_g: int
    dimensions_cm: tuple[int, int, int]
    active: bool
    available: int = Field(description="Units free to sell over all facilities")

    @classmethod
    def of(cls, product: Product, available: int) -> ProductOut:
        d = product.dimensions
        return cls(
            id=product.id,
            sku=product.sku,
            title_ko=product.title_ko,
            title_en=product.title_en,
            category=product.category,
            price=MoneyOut.of(product.price),
            weight_g=product.weight_g,
            dimensions_cm=(d.length_cm, d.width_cm, d.height_cm),
            active=product.active,
            available=available,
        )


class StockOut(BaseModel):
    facility_id: str
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, level: StockLevel) -> StockOut:
        return cls(
            facility_id=level.facility_id,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
        )


class ProductDetailOut(ProductOut):
    stock: list[StockOut]

    @classmethod
    def detail(cls, found: ProductWithStock) -> ProductDetailOut:
        base = ProductOut.of(found.product, found.available)
        return cls(**base.model_dump(), stock=[StockOut.of(s) for s in found.by_facility])


class CategoryFacetOut(BaseModel):
    category: str
    count: int


class PriceBandOut(BaseModel):
    currency: str
    min_minor: int
    max_minor: int | None = Field(description="Exclusive; null for the last band")
    count: int


class ArrivalFacetOut(BaseModel):
    by: date = Field(description="A day (UTC)")
    count: int = Field(description="Matches that can arrive by the end of that day")


class FacetsOut(BaseModel):
    """What the ranked matches hold (all of them, not only this page's)."""

    categories: list[CategoryFacetOut]
    price_bands: list[PriceBandOut]
    in_stock: int = Field(description="Matches with units free to sell")
    arrives_by: list[ArrivalFacetOut] = Field(
        default_factory=list,
        description="With a customer's key whose default address is known: how many "
        "matches can arrive at it by each day, by the delivery option an order would ship "
        "with (earlier days included); empty otherwise",
    )

    @classmethod
    def of(cls, facets: Facets) -> FacetsOut:
        return cls(
            categories=[
                CategoryFacetOut(category=c.category, count=c.count) for c in facets.categories
            ],
            price_bands=[
                PriceBandOut(
                    currency=b.currency, min_minor=b.min_minor, max_minor=b.max_minor, count=b.count
                )
                for b in facets.price_bands
            ],
            in_stock=facets.in_stock,
            arrives_by=[ArrivalFacetOut(by=a.by, count=a.count) for a in facets.arrives_by],
        )


class ProductPage(BaseModel):
    items: list[ProductOut]
    limit: int
    offset: int
    total: int | None = Field(
        default=None,
        description="Matches ranked, at most 200 (null for a listing without words)",
    )
    facets: FacetsOut | None = Field(default=None, description="Null without words")
    did_you_mean: str | None = Field(
        default=None, description="The words corrected, when the words as typed found too little"
    )


class OrderLineOut(BaseModel):
    product_id: str
    facility_id: str
    quantity: int
    unit_price: MoneyOut
    amount: MoneyOut
    returned: int = Field(default=0, description="Units sent back so far")


class RefundOut(BaseModel):
    id: str
    amount: MoneyOut
    refunded_at: datetime


class PartialReturnOut(BaseModel):
    number: int = Field(description="1, 2, … in the order they were made")
    amount: MoneyOut = Field(description="Its lines' value, refunded on its own")
    returned_at: datetime
    refund: RefundOut | None = Field(description="None until the gateway refunded it")


class MemberBenefitOut(BaseModel):
    membership_id: str
    kind: Literal["free_delivery", "two_day"] = Field(
        description="free_delivery: the option's fee was waived; two_day: the two-day "
        "promise, free for everyone"
    )
    absorbed: MoneyOut = Field(description="The fee waived: shipping the retailer pays")


class DeliveryOut(BaseModel):
    option: str = Field(description="standard, two_day, same_day, drone, locker or in_car")
    fee: MoneyOut = Field(description="Part of the order's total (charged with the items)")
    window_start: datetime = Field(description="Earliest arrival promised, UTC")
    window_end: datetime = Field(description="Latest arrival promised, UTC")
    member_benefit: MemberBenefitOut | None = Field(
        default=None, description="The Prime benefit this delivery got, if any"
    )


class OrderOut(BaseModel):
    id: str
    status: str
    total: MoneyOut = Field(description="What the card is charged: items_total + delivery_fee")
    items_total: MoneyOut = Field(description="The lines' amounts added up")
    delivery_fee: MoneyOut = Field(description="The chosen delivery option's fee (0 if free)")
    facility_id: str
    lines: list[OrderLineOut]
    placed_at: datetime
    cancel_until: datetime
    can_cancel: bool = Field(description="Whether the cancel window is still open")
    paid_at: datetime | None
    cancelled_at: datetime | None
    refund: RefundOut | None
    failure_reason: str | None
    delivery: DeliveryOut | None = Field(
        default=None, description="The delivery promised at placement"
    )
    delivered_at: datetime | None = Field(default=None, description="When it was delivered")
    returnable_until: datetime | None = Field(
        default=None,
        description="While delivered: until when POST /v1/orders/{order_id}/return takes it "
        "back (the return window, BARO_RETURN_WINDOW_DAYS after delivery)",
    )
    can_return: bool = Field(default=False, description="Whether it can be returned now")
    returns: list[PartialReturnOut] = Field(
        default_factory=list,
        description="Parts sent back while it stayed delivered; the return of the rest "
        "moves it to returned, with `refund` for what was left",
    )

    @classmethod
    def of(cls, order: Order, now: datetime, *, return_window: timedelta) -> OrderOut:
        return cls(
            id=order.id,
            status=order.status.value,
            total=MoneyOut.of(order.total),
            items_total=MoneyOut.of(order.items_total),
            delivery_fee=MoneyOut.of(order.delivery_fee),
            facility_id=order.facility_id,
            lines=[
                OrderLineOut(
                    product_id=line.product_id,
                    facility_id=line.facility_id,
                    quantity=line.quantity,
                    unit_price=MoneyOut.of(line.unit_price),
                    amount=MoneyOut.of(line.amount),
                    returned=line.returned,
                )
                for line in order.lines
            ],
            placed_at=order.placed_at,
            cancel_until=order.cancel_until,
            can_cancel=order.can_cancel(now),
            paid_at=order.payment.paid_at if order.payment else None,
            cancelled_at=order.cancelled_at,
            refund=RefundOut(
                id=order.refund.id,
                amount=MoneyOut.of(order.refund.amount),
                refunded_at=order.refund.refunded_at,
            )
            if order.refund
            else None,
            failure_reason=order.failure_reason,
            delivery=DeliveryOut(
                option=order.delivery.option,
                fee=MoneyOut.of(order.delivery.fee),
                window_start=order.delivery.window_start,
                window_end=order.delivery.window_end,
                member_benefit=MemberBenefitOut(
                    membership_id=b.membership_id,
                    kind=b.kind,
                    absorbed=MoneyOut.of(b.absorbed),
                )
                if (b := order.delivery.benefit)
                else None,
            )
            if order.delivery
            else None,
            delivered_at=order.delivered_at,
            returnable_until=order.returnable_until(return_window),
            can_return=order.can_return(now, return_window),
            returns=[
                PartialReturnOut(
                    number=back.number,
                    amount=MoneyOut.of(back.amount),
                    returned_at=back.returned_at,
                    refund=RefundOut(
                        id=back.refund.id,
                        amount=MoneyOut.of(back.refund.amount),
                        refunded_at=back.refund.refunded_at,
                    )
                    if back.refund
                    else None,
                )
                for back in order.returns
            ],
        )


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_before: str | None = Field(description="Pass as `before` for the next page")


class OneClickIn(Input):
    # Said in the document as well as checked: a locker_id goes only with delivery_option
    # locker or none (JSON Schema's "dependencies"), so clients and fuzzers know it.
    model_config = ConfigDict(
        json_schema_extra={
            "dependencies": {
                "locker_id": {"properties": {"delivery_option": {"enum": ["locker", None]}}}
            }
        }
    )

    product_id: Id
    quantity: int = Field(default=1, ge=1, description="At most the shop's per-order limit")
    delivery_option: Annotated[
        Mode | None,
        Field(
            strict=False,
            description="Ship by this option (GET /v1/promise lists those that hold); "
            "left out: your preferred option if it holds, else the fastest free one",
        ),
    ] = None
    locker_id: Id | None = Field(
        default=None,
        description="Ship to this locker bank (GET /v1/lockers lists those near you); a "
        "compartment is reserved with the order. Implies delivery_option locker",
    )


class CartQuantityIn(Input):
    quantity: int = Field(ge=1, description="At most the shop's per-order limit")


# A bound on the body. Each product named once, and only the order's: so, after it, at
# most the order's line count.
MAX_RETURN_LINES = 500


class ReturnLineIn(Input):
    product_id: Id
    quantity: int = Field(ge=1, description="At most what is left of it to return")


class ReturnIn(Input):
    lines: list[ReturnLineIn] = Field(
        min_length=1,
        max_length=MAX_RETURN_LINES,
        description="What comes back, each product once, at most the order's line count",
    )


class CartItemOut(BaseModel):
    product_id: str
    sku: str
    title_ko: str
    title_en: str
    unit_price: MoneyOut
    quantity: int
    amount: MoneyOut


class CartOut(BaseModel):
    items: list[CartItemOut]

    @classmethod
    def of(cls, items: list[CartItem]) -> CartOut:
        return cls(
            items=[
                CartItemOut(
                    product_id=item.product.id,
                    sku=item.product.sku,
                    title_ko=item.product.title_ko,
                    title_en=item.product.title_en,
                    unit_price=MoneyOut.of(item.product.price),
                    quantity=item.quantity,
                    amount=MoneyOut.of(item.product.price * item.quantity),
                )
                for item in items
            ]
        )


class FacilityOut(BaseModel):
    id: str
    name: str
    kind: str
    lat: float
    lng: float
    h3_cell: str
    capacity_units: int
    active: bool

    @classmethod
    def of(cls, facility: Facility) -> FacilityOut:
        return cls(
            id=facility.id,
            name=facility.name,
            kind=facility.kind.value,
            lat=facility.lat,
            lng=facility.lng,
            h3_cell=facility.h3_cell,
            capacity_units=facility.capacity_units,
            active=facility.active,
        )


class ReceiveIn(Input):
    quantity: int = Field(
        ge=1, le=MAX_RECEIVED, description=f"Units delivered: at most {MAX_RECEIVED:,} per note"
    )


class ViewIn(Input):
    product_id: Id


class AdvanceIn(Input):
    status: Literal["picking", "packed", "shipped", "delivered"]
