"""Search indexes Korean titles by their syllable bigrams too (``search.analysis``): the
products written before this revision are analysed again. Their terms are set to NULL and
the vocabulary emptied, so that ``baro search reindex`` (``baro db upgrade`` runs it) writes
both anew; until then those products are found by category listings, not by words.

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


def downgrade() -> None:
    # The terms with bigrams are still terms: the revision before reads them as they are.
    pass
