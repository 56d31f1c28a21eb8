"""The database: one SQLAlchemy engine per process, sessions per unit of work, Alembic migrations.

SQLite (embedded default) and PostgreSQL (production, CI) run the same code and migrations.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    Executable,
    Insert,
    MetaData,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool
from sqlalchemy.types import TypeDecorator

from baro.core.clock import ensure_utc

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        utc = ensure_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return ensure_utc(value)


@dataclass
class StatementCounter:
    """Counts SQL statements sent on an engine (benchmarks report statements per order).

    Transaction control (BEGIN) is not counted: psycopg sends it outside the cursor, SQLite
    through it, and the count should mean the same on both.
    """

    statements: int = 0

    def attach(self, engine: Engine) -> StatementCounter:
        event.listen(engine, "before_cursor_execute", self._count)
        return self

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):
            self.statements += 1


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if is_sqlite(url):
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # Server-side prepared statements from the first use: the hot path runs the same few
        # statements all day, and planning them each time cost PostgreSQL a third more CPU.
        connect_args={"prepare_threshold": 1},
    )


def _sqlite_engine(url: str) -> Engine:
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        # A file database keeps a pool of open connections: opening one per transaction
        # (NullPool) cost more than the transaction itself. In memory, one shared connection.
        poolclass=StaticPool if in_memory else QueuePool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: two deferred transactions that both upgrade
        # to writers would deadlock, and SQLite would answer one "database is locked".
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


READ_ONLY = "baro_read_only"


def table_of(model: type[Base]) -> Table:
    """The Table behind a mapped class (typed: ``__table__`` is only a FromClause to mypy)."""
    return cast(Table, model.__table__)


class Database:
    """One engine, two doors: ``transaction()`` for work that writes, committed at the end
    of the block (rolled back on error), and ``read()`` for reads, which need no
    transaction (PostgreSQL autocommit: no BEGIN/COMMIT round trips; SQLite: a deferred
    BEGIN that does not take the write lock)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        if engine.dialect.name == "postgresql":
            readers = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            readers = engine.execution_options(**{READ_ONLY: True})
        self._reads = sessionmaker(bind=readers, expire_on_commit=False, autoflush=False)

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 10) -> Database:
        return cls(make_engine(url, pool_size=pool_size))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back on any error."""
        with self._writes() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reads() as session:
            yield session

    @contextmanager
    def only_one(self, key: int) -> Iterator[bool]:
        """True while this process holds the lock named ``key`` among every process on this
        database (a PostgreSQL session advisory lock on its own connection, outside any
        transaction; False at once when another holds it). SQLite is one machine's embedded
        store: always True there."""
        if self.dialect != "postgresql":
            yield True
            return
        engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            named = {"key": key}
            ours = bool(
                connection.execute(text("SELECT pg_try_advisory_lock(:key)"), named).scalar()
            )
            try:
                yield ours
            finally:
                if ours:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), named)

    def dispose(self) -> None:
        self.engine.dispose()


@cache
def _insert_or_ignore_statement(table: Table, dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: psycopg 3 may report -1 rows for this statement.
    return insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


@cache
def _upsert_statement(table: Table, dialect: str, update: tuple[str, ...]) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: statement.excluded[name] for name in update},
    )


def upsert(
    session: Session, table: Table, values: dict[str, Any], *, update: Sequence[str]
) -> None:
    """INSERT, or on a primary-key conflict UPDATE the ``update`` columns: one statement,
    so two concurrent writers of one row both succeed (the later one wins) instead of one
    failing on the unique key."""
    statement = _upsert_statement(table, session.get_bind().dialect.name, tuple(update))
    session.execute(statement, values)


@contextmanager
def sent_together(session: Session) -> Iterator[None]:
    """Statements in this block go to PostgreSQL in one round trip (psycopg's pipeline mode)
    instead of one each; their errors surface at the end of the block. Only for statements
    whose results nobody reads: no SELECT, no RETURNING, and no INSERT that SQLAlchemy would
    make return a generated key (build those with ``.inline()``). On SQLite, a no-op.

    Each round trip costs the server and PostgreSQL a wake-up; the order path saves three."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with connection.connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
            yield
    except driver_error as error:  # raised by the driver, outside SQLAlchemy: wrap it as
        # SQLAlchemy would have (IntegrityError, OperationalError…) for callers that catch those
        raise DBAPIError.instance(
            "(statements sent together)", None, error, driver_error
        ) from error


def insert_or_ignore(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row.

    The unique index decides who wins a race, in every process, not a check in Python.
    """
    return bool(insert_or_ignore_all(session, table, [values]))


def insert_or_ignore_all(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> set[tuple[Any, ...]]:
    """Many rows in one INSERT … ON CONFLICT DO NOTHING; the primary keys of those this call
    inserted. Pass rows sorted by primary key: two transactions inserting overlapping keys
    then wait on each other in the same order, and cannot deadlock."""
    if not rows:
        return set()
    statement = _insert_or_ignore_statement(table, session.get_bind().dialect.name)
    return {tuple(row) for row in session.execute(statement, _parameters(rows))}


def execute_many(session: Session, statement: Executable, rows: Sequence[dict[str, Any]]) -> int:
    """One statement for all ``rows`` (nothing when there are none); the rows it matched."""
    if not rows:
        return 0
    result = session.execute(statement, _parameters(rows))
    return cast(CursorResult[Any], result).rowcount


def _parameters(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    # One row goes as a plain execute: a driver's executemany costs more than it saves.
    return rows[0] if len(rows) == 1 else list(rows)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision`` (``baro db upgrade``)."""
    command.upgrade(alembic_config(url), revision)


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this code expects (run ``baro db upgrade``)."""


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def check_schema(engine: Engine) -> None:
    """Refuse to run against a database whose schema is older or newer than the code's."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        found = MigrationContext.configure(connection).get_current_revision()
    expected = head_revision()
    if found != expected:
        url = engine.url.render_as_string(hide_password=True)
        raise SchemaOutOfDate(
            f"the database at {url} has schema {found or 'none'}, this baro needs {expected}: "
            f"run `baro db upgrade --db {url}`"
        )


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
