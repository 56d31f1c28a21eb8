"""What every console page shares: the page frame (navigation from the sections), form
state, and the words for order statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
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
}


@dataclass
class Form:
    """What was typed (kept on a re-render) and a message per field, in the page's
    language; ``_form`` holds a message about the form as a whole."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


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
