"""Alembic environment: migrations are hand-written, so no metadata import is needed here."""

from alembic import context

from baro.core.db import make_engine

url = context.config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set (baro.core.db.alembic_config does it)"
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
