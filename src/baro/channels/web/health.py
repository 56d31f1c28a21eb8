"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .deps import PlatformDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(platform: PlatformDep) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with platform.db.read() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
