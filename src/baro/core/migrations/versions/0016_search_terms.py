"""Search on analysed terms: products keep the terms search made of them (``search_terms``:
Korean morphemes, English and Portuguese stems, folded; written by the application, which
runs the analysis), and both databases index those terms alone, so both match the same
tokens: an FTS5 table over them on SQLite, a 'simple' tsvector on PostgreSQL. The terms
ever indexed (``search_vocabulary``) are what a misspelt word is corrected to, found by
trigrams (``pg_trgm``; FTS5's ``trigram`` tokenizer).

Rows that exist before this revision have no terms (NULL) until ``baro search reindex``
(``baro db upgrade`` runs it) analyses them: a migration cannot run the analysis, which
lives in the catalogue.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_OLD_TRIGGERS = ("products_fts_insert", "products_fts_delete", "products_fts_update")


def upgrade() -> None:
    op.add_column("products", sa.Column("search_terms", sa.Text(), nullable=True))
    op.create_table(
        "search_vocabulary",
        sa.Column("term", sa.String(length=64), primary_key=True),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("ALTER TABLE products DROP COLUMN search_vector")  # and its index
        op.execute(
            "ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(search_terms, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_products_search ON products USING gin (search_vector)")
        op.execute(
            "CREATE INDEX ix_search_vocabulary_trigrams ON search_vocabulary "
            "USING gin (term gin_trgm_ops)"
        )
        return
    for trigger in _OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS products_fts")
    # The terms are already folded and split: the tokenizer only has to cut on spaces.
    op.execute(
        "CREATE VIRTUAL TABLE products_fts_terms USING fts5(search_terms, content='products', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')"
    )
    # Every existing row in the index (with no terms yet): the update trigger's 'delete'
    # must find each row it removes, or FTS5's external-content index is corrupt.
    op.execute("INSERT INTO products_fts_terms(products_fts_terms) VALUES ('rebuild')")
    new, old = "coalesce(new.search_terms, '')", "coalesce(old.search_terms, '')"
    op.execute(
        "CREATE TRIGGER products_fts_terms_insert AFTER INSERT ON products BEGIN "
        f"INSERT INTO products_fts_terms(rowid, search_terms) VALUES (new.rowid, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_terms_delete AFTER DELETE ON products BEGIN "
        "INSERT INTO products_fts_terms(products_fts_terms, rowid, search_terms) "
        f"VALUES ('delete', old.rowid, {old}); END"
    )
    # Only a change of the terms touches the index (a price change does not).
    op.execute(
        "CREATE TRIGGER products_fts_terms_update AFTER UPDATE OF search_terms ON products BEGIN "
        "INSERT INTO products_fts_terms(products_fts_terms, rowid, search_terms) "
        f"VALUES ('delete', old.rowid, {old}); "
        f"INSERT INTO products_fts_terms(rowid, search_terms) VALUES (new.rowid, {new}); END"
    )
    # Each term padded as pg_trgm pads a word (two spaces before, one after), so that short
    # words have trigrams too and both databases find the same candidates: muug → mug.
    op.execute("CREATE VIRTUAL TABLE products_fts_vocabulary USING fts5(term, tokenize='trigram')")
    # Terms are added, counted up, never removed: an insert is the only change to follow.
    op.execute(
        "CREATE TRIGGER products_fts_vocabulary_insert AFTER INSERT ON search_vocabulary BEGIN "
        "INSERT INTO products_fts_vocabulary(rowid, term) "
        "VALUES (new.rowid, '  ' || new.term || ' '); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("search_vocabulary")
        op.execute("ALTER TABLE products DROP COLUMN search_vector")
        op.drop_column("products", "search_terms")
        op.execute(
            "ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', title_en || ' ' || title_ko || ' ' || "
            "replace(category, '_', ' ') || ' ' || sku)) STORED"
        )
        op.execute("CREATE INDEX ix_products_search ON products USING gin (search_vector)")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS products_fts_terms_{trigger}")
    op.execute("DROP TRIGGER IF EXISTS products_fts_vocabulary_insert")
    op.execute("DROP TABLE IF EXISTS products_fts_vocabulary")
    op.execute("DROP TABLE IF EXISTS products_fts_terms")
    op.drop_table("search_vocabulary")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("search_terms")
    # 0001's index and triggers, rebuilt from the rows.
    op.execute(
        "CREATE VIRTUAL TABLE products_fts USING fts5(title_en, title_ko, category, sku, "
        "content='products', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    columns = "title_en, title_ko, category, sku"
    values = {
        age: f"{age}.title_en, {age}.title_ko, replace({age}.category, '_', ' '), {age}.sku"
        for age in ("new", "old")
    }
    op.execute(
        "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
        f"INSERT INTO products_fts(rowid, {columns}) VALUES (new.rowid, {values['new']}); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {columns}) "
        f"VALUES ('delete', old.rowid, {values['old']}); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_update AFTER UPDATE ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {columns}) "
        f"VALUES ('delete', old.rowid, {values['old']}); "
        f"INSERT INTO products_fts(rowid, {columns}) VALUES (new.rowid, {values['new']}); END"
    )
    op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")
