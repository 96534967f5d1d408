"""Field-level precision and recall of the notice parser over the corpus in tests/notices/.

    .venv/bin/python bench/parser_accuracy.py [--verbose]

Each notice's parsed tasks are aligned with its expected tasks in document order
(difflib on the owners, so one missed task does not shift every later one), then:

* owners: a parsed task counts when aligned with an expected task of the same owner (an
  expected ``null`` owner, an unresolved name, is matched by a parsed ``null``);
  precision over parsed tasks, recall over expected tasks;
* coordinators: the codes of aligned tasks compared as sets; codes of unaligned tasks
  count against precision or recall;
* deadlines: a phrase (case and spacing aside) counts when the aligned expected task has
  the same one; tasks without a deadline on both sides are not counted.

An invented owner is an agency code the parser gave a task that the expected draft of
that notice never names as an owner: it must be 0, whatever else goes wrong.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dondoc.commands.notice_text import read_notice_text
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.directory import Directory
from dondoc.domain.notice_text import AgencyGroup, NameBook, parse_notice
from dondoc.domain.vietnam_calendar import parse_overrides, vietnam_calendar

CORPUS = Path(__file__).parents[1] / "tests" / "notices"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Totals:
    owners: Score = field(default_factory=Score)
    coordinators: Score = field(default_factory=Score)
    deadlines: Score = field(default_factory=Score)
    invented: list[str] = field(default_factory=list)
    notices: int = 0
    tasks: int = 0


def _book() -> NameBook:
    raw = yaml.safe_load((CORPUS / "directory.yaml").read_text("utf-8"))
    groups = [AgencyGroup.model_validate(g) for g in raw.pop("groups", [])]
    return NameBook.from_directory(Directory.model_validate(raw), groups)


@cache
def _calendar(year: int) -> WorkingCalendar:
    text = (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")
    return vietnam_calendar(range(year - 1, year + 3), parse_overrides(text))


def _calendar_for(day: date) -> WorkingCalendar:
    return _calendar(day.year)


def _phrase(value: str | None) -> str | None:
    return " ".join(value.lower().split()) if value else None


def _score_pair(totals: Totals, got: dict[str, Any] | None, want: dict[str, Any] | None) -> None:
    got_coords = set(got["coordinators"]) if got else set()
    want_coords = set(want.get("coordinators") or []) if want else set()
    totals.coordinators.tp += len(got_coords & want_coords)
    totals.coordinators.fp += len(got_coords - want_coords)
    totals.coordinators.fn += len(want_coords - got_coords)
    got_deadline = _phrase(got["deadline"]) if got else None
    want_deadline = _phrase(want.get("deadline")) if want else None
    if got_deadline and got_deadline == want_deadline:
        totals.deadlines.tp += 1
    else:
        totals.deadlines.fp += bool(got_deadline)
        totals.deadlines.fn += bool(want_deadline)


def score(
    totals: Totals, name: str, parsed: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    totals.notices += 1
    totals.tasks += len(expected)
    got_owners = [t["owner"] for t in parsed]
    want_owners = [t["owner"] for t in expected]
    matcher = SequenceMatcher(a=want_owners, b=got_owners, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        wants, gots = expected[a0:a1], parsed[b0:b1]
        if op == "equal":
            totals.owners.tp += len(wants)
        else:
            totals.owners.fn += len(wants)
            totals.owners.fp += len(gots)
        for i in range(max(len(wants), len(gots))):
            _score_pair(
                totals,
                gots[i] if i < len(gots) else None,
                wants[i] if i < len(wants) else None,
            )
    named = {o for o in want_owners if o}
    totals.invented += [f"{name}: {o}" for o in got_owners if o and o not in named]


def run(verbose: bool = False) -> Totals:
    book = _book()
    totals = Totals()
    for expected_file in sorted(CORPUS.glob("*.expected.yaml")):
        stem = expected_file.name.removesuffix(".expected.yaml")
        (source,) = [p for p in CORPUS.glob(f"{stem}.*") if p.suffix in {".txt", ".pdf"}]
        expected = yaml.safe_load(expected_file.read_text("utf-8"))["tasks"]
        draft = parse_notice(read_notice_text(source), book, calendar_for=_calendar_for)
        parsed = draft.as_document()["tasks"]
        before = (totals.owners.fp + totals.owners.fn, totals.deadlines.fp + totals.deadlines.fn)
        score(totals, stem, parsed, expected)
        after = (totals.owners.fp + totals.owners.fn, totals.deadlines.fp + totals.deadlines.fn)
        if verbose:
            mark = "ok " if before == after else "MISS"
            print(f"  {mark} {stem}: {len(parsed)} tasks parsed, {len(expected)} expected")
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="one line per notice")
    args = parser.parse_args()
    totals = run(args.verbose)
    print(f"Notice parser over {totals.notices} notices, {totals.tasks} expected tasks")
    print(f"{'field':<14}{'precision':>10}{'recall':>10}{'tp':>6}{'fp':>6}{'fn':>6}")
    for name in ("owners", "coordinators", "deadlines"):
        s: Score = getattr(totals, name)
        print(f"{name:<14}{s.precision:>10.1%}{s.recall:>10.1%}{s.tp:>6}{s.fp:>6}{s.fn:>6}")
    print(f"invented owners: {len(totals.invented)}")
    for item in totals.invented:
        print(f"  {item}")
    ok = (
        not totals.invented
        and min(totals.owners.precision, totals.owners.recall) >= 0.95
        and min(totals.deadlines.precision, totals.deadlines.recall) >= 0.95
    )
    print("target (≥95% owners and deadlines, no invented owner):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
