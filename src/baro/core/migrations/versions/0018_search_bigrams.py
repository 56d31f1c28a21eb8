"""Search indexes Korean titles by their syllable bigrams too (``search.analysis``): the
products written before this revision are analysed again. Their terms are set to NULL and
the vocabulary emptied, so that ``baro search reindex`` (``baro db upgrade`` runs it) writes
both anew; until then those products are found by category listings, not by words.

On PostgreSQL the full-text GIN indexes stop using their pending list (``fastupdate``): a
catalogue is read far more than it is written, and with 49,688 products just loaded, the
8,546 entries still pending made each search scan them (p50 20-40 ms, 5-9 ms once merged).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE products SET search_terms = NULL")  # the FTS5 index follows by trigger
    op.execute("DELETE FROM search_vocabulary")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DELETE FROM products_fts_vocabulary")  # its own table, not an index
        return
    for index in ("ix_products_search", "ix_search_vocabulary_trigrams"):
        op.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade() -> None:
    # The terms with bigrams are still terms: the revision before reads them as they are.
    if op.get_bind().dialect.name == "postgresql":
        for index in ("ix_products_search", "ix_search_vocabulary_trigrams"):
            op.execute(f"ALTER INDEX {index} RESET (fastupdate)")
