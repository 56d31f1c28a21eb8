"""What every console page shares: the page frame (navigation from the sections) and the
words for order statuses."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse

from baro.commerce.orders import OrderStatus

from ..rendering import render

# English labels (translated in the templates like all page text), one per status.
STATUS_LABELS: Final = {
    OrderStatus.PLACED: "Placed",
    OrderStatus.PAID: "Paid",
    OrderStatus.ALLOCATED: "Allocated",
    OrderStatus.PICKING: "Picking",
    OrderStatus.PACKED: "Packed",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.PAYMENT_FAILED: "Payment failed",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.LOST: "Lost",
    OrderStatus.RETURNED: "Returned",
}


def render_console(
    request: Request, template: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A console page: the request's operator, the navigation, the status labels."""
    return render(
        request,
        template,
        status=status,
        sections=getattr(request.state, "console_sections", ()),
        status_labels=STATUS_LABELS,
        **context,
    )
