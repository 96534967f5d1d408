"""Where a database's schema stands against the migrations this installation ships.

``dondoc web`` and ``dondoc worker`` refuse to start unless the schema is the newest one
they know (``require_current``): a service running on tables it does not expect fails
in odd ways hours later, and an operator should run ``dondoc db upgrade`` first (the
upgrade order in ``docs/operations.md``: migrations, then the services). ``dondoc dev``
upgrades by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from dondoc.store.db import alembic_config, engine_for, migrate, unmigrate

UPGRADE_COMMAND = "dondoc db upgrade"
MIGRATION_LOCK = 0x646F6E646F63
"""PostgreSQL advisory lock key ("dondoc" in ASCII) that a migration run holds
(``migrations/env.py``): one run at a time per database."""

SQLITE_SEARCH_TABLES = frozenset(
    {
        "tasks_fts",
        *(f"tasks_fts_{part}" for part in ("data", "idx", "content", "docsize", "config")),
    }
)
"""SQLite's FTS5 table of the task search (migration 0004u) and its shadow tables."""
POSTGRES_SEARCH_INDEXES = frozenset({"ix_tasks_words"})
"""PostgreSQL's GIN index of the task search (migration 0010)."""


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """What schema comparison looks at: everything but the text search's own objects,
    which the migrations make per database and the table metadata does not describe."""
    if type_ == "table":
        return name not in SQLITE_SEARCH_TABLES
    if type_ == "index":
        return name not in POSTGRES_SEARCH_INDEXES
    return True


class RevisionRefused(ValueError):
    """A target revision this installation does not ship, or one the asked direction cannot
    reach (an upgrade to an older revision); the message names it."""


class SchemaNotCurrent(RuntimeError):
    """The database's schema is not the newest this installation knows; says what to run."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: tuple[str, ...]
    """The revisions recorded in the database; empty for a database never migrated."""
    heads: tuple[str, ...]
    """The newest revisions this installation ships (one, unless branches are unmerged)."""
    unknown: tuple[str, ...]
    """Recorded revisions this installation does not ship."""

    @property
    def newest(self) -> bool:
        return set(self.current) == set(self.heads)

    def describe(self) -> str:
        """The state in a sentence for the operator."""
        now, head = _names(self.current), _names(self.heads)
        if self.newest:
            return f"Lược đồ cơ sở dữ liệu ở phiên bản {now} (mới nhất)."
        if self.unknown:
            return (
                f"Cơ sở dữ liệu ở phiên bản {_names(self.unknown)}, phiên bản mà bản cài đặt "
                f"này không có (mới nhất ở đây là {head}): cơ sở dữ liệu do một bản mới hơn "
                "nâng cấp; cài lại bản đó, hoặc hạ lược đồ bằng bản đó trước."
            )
        if not self.current:
            return (
                "Cơ sở dữ liệu chưa có lược đồ (chưa nâng cấp lần nào); "
                f"phiên bản mới nhất là {head}. Chạy «{UPGRADE_COMMAND}»."
            )
        return (
            f"Lược đồ cơ sở dữ liệu ở phiên bản {now}, cũ hơn phiên bản mới nhất {head}. "
            f"Chạy «{UPGRADE_COMMAND}»."
        )


def _names(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) if revisions else "(chưa có)"


def _scripts(url: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(url))


def schema_state(url: str) -> SchemaState:
    """Read the recorded revisions; connects, so a down database raises here."""
    scripts = _scripts(url)
    with engine_for(url).connect() as connection:
        current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    known = {r.revision for r in scripts.walk_revisions()}
    return SchemaState(
        current=current,
        heads=tuple(sorted(scripts.get_heads())),
        unknown=tuple(r for r in current if r not in known),
    )


def require_current(url: str) -> SchemaState:
    """The state, if the schema is the newest; ``SchemaNotCurrent`` saying what to run if not."""
    state = schema_state(url)
    if not state.newest:
        raise SchemaNotCurrent(state.describe())
    return state


def _check(url: str, revision: str) -> None:
    if revision in ("head", "base"):
        return
    try:
        found = _scripts(url).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        known = ", ".join(r for r, _ in revisions(url))
        raise RevisionRefused(f"không có phiên bản «{revision}»; các phiên bản: {known}")


def _below(url: str, revisions_: tuple[str, ...]) -> set[str]:
    """The revisions at or below ``revisions_`` (what a downgrade can reach)."""
    scripts = _scripts(url)
    return {r.revision for head in revisions_ for r in scripts.iterate_revisions(head, "base")}


@dataclass(frozen=True, slots=True)
class Moved:
    """What an upgrade or downgrade did."""

    before: tuple[str, ...]
    """The revisions before this run's first step (``after.current`` if it made none)."""
    after: SchemaState
    steps: int
    """Steps this run applied: none when the schema was already there (perhaps because
    another run, holding the migration lock first, got there)."""


def _move(url: str, revision: str, *, up: bool) -> Moved:
    _check(url, revision)
    state = schema_state(url)
    if state.unknown:
        raise SchemaNotCurrent(state.describe())
    below = _below(url, state.current) if revision not in ("head", "base") else set()
    if up and revision in below and revision not in state.current:
        raise RevisionRefused(
            f"phiên bản «{revision}» cũ hơn phiên bản hiện tại {', '.join(state.current)}; "
            "muốn hạ lược đồ thì dùng «dondoc db downgrade»"
        )
    if not up and revision not in ("base", *below):
        raise RevisionRefused(
            f"phiên bản «{revision}» không cũ hơn phiên bản hiện tại "
            f"{', '.join(state.current) or '(chưa có)'}; muốn nâng cấp thì dùng "
            f"«{UPGRADE_COMMAND}»"
        )
    try:
        steps = (migrate if up else unmigrate)(url, revision)
    except CommandError as err:
        raise RevisionRefused(f"không chuyển được đến phiên bản «{revision}»: {err}") from None
    after = schema_state(url)
    return Moved(before=steps[0][0] if steps else after.current, after=after, steps=len(steps))


def upgrade(url: str, revision: str = "head") -> Moved:
    """Upgrade to ``revision`` (the newest by default)."""
    return _move(url, revision, up=True)


def downgrade(url: str, revision: str) -> Moved:
    """Downgrade to ``revision`` (``"base"``: drop every table of ours)."""
    return _move(url, revision, up=False)


def revisions(url: str) -> list[tuple[str, str]]:
    """Every shipped revision, oldest first, with the first line of its message."""
    return [
        (r.revision, (r.doc or "").splitlines()[0] if r.doc else "")
        for r in reversed(list(_scripts(url).walk_revisions()))
    ]
