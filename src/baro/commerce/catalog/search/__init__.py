"""Product search: analysis (``analysis``), synonyms (``synonyms``), ranking (``ranking``)
and the index's queries on SQLite and PostgreSQL (``index``)."""
