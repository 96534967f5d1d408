"""The fault table: one row per scenario and database, printed at the end of the run."""

from __future__ import annotations

from dataclasses import dataclass

RECOVERY_TARGET = 30.0
"""Seconds the project aims at, per scenario at 200 tasks; a row above it is marked."""

HEADERS = (
    "scenario", "database", "tasks", "mails expected", "delivered",
    "duplicated (crash window)", "lost", "seconds to recover", "notes",
)  # fmt: skip


@dataclass
class Row:
    scenario: str
    database: str
    tasks: int
    expected: int
    delivered: int
    duplicated: int
    lost: int
    recovery: float | None
    """None: it never recovered within the run's wait."""
    notes: str = ""
    measured: bool = True
    """False for the baseline: nothing to recover from (its time is in the notes)."""

    def cells(self) -> tuple[str, ...]:
        if not self.measured:
            seconds = "—"
        elif self.recovery is None:
            seconds = "never"
        else:
            seconds = f"{self.recovery:.1f}" + (" !" if self.recovery > RECOVERY_TARGET else "")
        return (
            self.scenario, self.database, str(self.tasks), str(self.expected),
            str(self.delivered), str(self.duplicated), str(self.lost), seconds, self.notes,
        )  # fmt: skip


ROWS: list[Row] = []
"""Filled by the scenarios as they finish (failed ones too), printed by conftest.py."""


def render(rows: list[Row]) -> str:
    ordered = sorted(rows, key=lambda r: (r.database != "sqlite", r.scenario))
    cells = [HEADERS, *(r.cells() for r in ordered)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    lines = [" | ".join(c[i].ljust(widths[i]) for i in range(len(HEADERS))).rstrip() for c in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    missed = [
        r for r in rows if r.measured and (r.recovery is None or r.recovery > RECOVERY_TARGET)
    ]
    marked = f"\n! recovery above the {RECOVERY_TARGET:.0f} s target (or never)" if missed else ""
    return "\n".join(lines) + marked
