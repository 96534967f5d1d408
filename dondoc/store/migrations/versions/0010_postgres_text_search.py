"""PostgreSQL: the console's accent-insensitive task search, indexed

Revision ID: 0010
Revises: 0009

SQLite has had it since 0004u (an FTS5 table kept by triggers); this is the same search
on PostgreSQL, and nothing on SQLite. The words of a task (notice number, id, work,
result) are folded as ``store.task_search.fold`` folds a query — ``unaccent`` drops the
tone marks and turns «đ» into «d», ``lower`` the case, and every run of characters that
are neither letters nor digits becomes one space, so the tokens are those of FTS5's
``unicode61`` tokenizer — and kept as a ``tsvector`` in a GIN expression index.
The query ``dondoc_task_words(...) @@ to_tsquery('simple', 'hoi' & 'ngh':*)`` reads it.

``unaccent`` is a trusted extension: the database's owner may create it (PostgreSQL 13+);
where the application's role may not, a superuser runs ``CREATE EXTENSION unaccent`` in
the database first and this migration finds it there.
``unaccent(regdictionary, text)`` is only STABLE (its rules file could change), so it is
wrapped in an IMMUTABLE function, which is what an index expression needs; the functions
have SQL-standard bodies (PostgreSQL 14+), bound when created, so a restore with an empty
search path rebuilds the index. Downgrading leaves the extension: other objects of the
database may use it, and it holds no data.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # Letters and digits of any script stay (under a UTF-8 locale; see docs/operations.md).
    "CREATE FUNCTION dondoc_fold(value text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "RETURN regexp_replace(lower(unaccent('unaccent'::regdictionary, value)), "
    "'[^[:alnum:]]+', ' ', 'g')",
    "CREATE FUNCTION dondoc_task_words("
    "notice_number text, id text, work text, result text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "RETURN to_tsvector('simple'::regconfig, "
    "dondoc_fold(notice_number || ' ' || id || ' ' || work || ' ' || result))",
    "CREATE INDEX ix_tasks_words ON tasks "
    "USING gin (dondoc_task_words(notice_number, id, work, result))",
]
DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_tasks_words",
    "DROP FUNCTION IF EXISTS dondoc_task_words(text, text, text, text)",
    "DROP FUNCTION IF EXISTS dondoc_fold(text)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
