"""Liveness and readiness, for a load balancer or an orchestrator.

Both are ``async`` and never wait on the request thread pool: a stalled pool or a slow
database must not get a live process restarted (liveness needs nothing), and readiness asks
the database on a thread of its own, with a deadline.
"""

from __future__ import annotations

from functools import cache

import anyio
import anyio.to_thread
from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from baro.core.db import Database, head_revision

from .deps import PlatformDep
from .problems import problem

READY_TIMEOUT_S = 2.0

router = APIRouter(tags=["health"])
# One readiness query at a time: while one hangs, the next probes wait for it and time out.
_readiness_queries = anyio.CapacityLimiter(1)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: 200 while this process answers (it asks nothing of the database)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "The database does not answer, or its schema is not at head"}},
)
async def readyz(platform: PlatformDep) -> JSONResponse:
    """Readiness: 200 when the database answers and its migrations are at head."""
    expected = _head()
    with anyio.move_on_after(READY_TIMEOUT_S):
        try:
            found = await anyio.to_thread.run_sync(
                _schema_of, platform.db, limiter=_readiness_queries, abandon_on_cancel=True
            )
        except SQLAlchemyError as error:
            return _not_ready(f"the database did not answer ({type(error).__name__})", "down")
        if found != expected:
            return _not_ready(
                f"the database schema is {found or 'empty'}, this baro needs {expected}: "
                "run `baro db upgrade`",
                "ok",
                schema=found,
                expected_schema=expected,
            )
        return JSONResponse({"status": "ready", "database": "ok", "schema": found})
    return _not_ready(f"the database did not answer within {READY_TIMEOUT_S:g} s", "timeout")


def _not_ready(detail: str, database: str, **extra: str | None) -> JSONResponse:
    return problem(503, "not_ready", detail, database=database, **extra)


def _schema_of(db: Database) -> str | None:
    with db.read() as session:
        return MigrationContext.configure(session.connection()).get_current_revision()


@cache
def _head() -> str | None:
    return head_revision()
