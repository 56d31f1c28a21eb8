"""The operations console at /ops: its own sign-in, then the sections of ``sections.py``,
each behind the operator check. ``router`` is what the pages' ``install`` mounts (with the
CSRF check every page router gets)."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Depends, Request

from ..security import require_operator
from . import signin
from .sections import SECTIONS, ConsoleSection

PREFIX: Final = "/ops"


def build_router(sections: tuple[ConsoleSection, ...] = SECTIONS) -> APIRouter:
    """The sign-in routes, and every section's routes for signed-in operators only."""

    async def navigation(request: Request) -> None:
        request.state.console_sections = sections

    console = APIRouter()
    console.include_router(signin.router, prefix=PREFIX)
    for section in sections:
        console.include_router(
            section.router,
            prefix=PREFIX,
            dependencies=[Depends(require_operator), Depends(navigation)],
        )
    return console


router: Final = build_router()

__all__ = ["SECTIONS", "ConsoleSection", "build_router", "router"]
