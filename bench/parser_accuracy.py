"""Field-level precision and recall of the notice parser, part by part.

    .venv/bin/python bench/parser_accuracy.py [--verbose] [--reference DIR [--reference-directory FILE]]

Parts: ``dev`` (tests/notices/dev/, the texts the parser was built on), ``held-out``
(tests/notices/held-out/, written before any tuning on them and never tuned on), and, with
``--reference DIR``, a folder of real notice texts ``NN.txt`` beside ``NN.expected.yaml``
whose owners and coordinators are written as names, not codes (read against
tests/notices/directory.yaml unless ``--reference-directory`` names another).

Each notice's parsed tasks are aligned with its expected tasks in document order
(difflib on the owners, so one missed task does not shift every later one), then:

* owners: a parsed task counts when aligned with an expected task of the same owner: the
  same code in the corpus (an expected ``null``, a name the directory lacks, is matched by
  a parsed ``null``), the same name as written in a reference text; precision over parsed
  tasks, recall over expected tasks. An expected task marked ``uncertain: true`` counts
  when found and is excused when missed, and so are the parsed tasks standing where it is
  whose names are part of its name (a list the parser split);
* coordinators: the codes (or names) of aligned tasks compared as sets; those of
  unaligned tasks count against precision or recall;
* deadlines: a phrase (case and spacing aside) counts when the aligned expected task has
  the same one; tasks without a deadline on both sides are not counted;
* number, date, leader: per notice; a number without digits (a draft's blank) is no
  number. ``right`` counts the notices where parsed and expected agree, empty included.

An invented owner is an owner the parser gave a task that the expected draft of that
notice never names as an owner: it must be 0, whatever else goes wrong.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
from collections.abc import Callable
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
from dondoc.domain.notice_text import NameBook, NoticeDraft, parse_notice
from dondoc.domain.notice_text.tokens import name_keys
from dondoc.domain.vietnam_calendar import parse_overrides, vietnam_calendar

NOTICES = Path(__file__).parents[1] / "tests" / "notices"
PARTS = {"dev": NOTICES / "dev", "held-out": NOTICES / "held-out"}
FIELDS = ("owners", "coordinators", "deadlines", "number", "date", "leader")
TARGET = 0.95
HEADER_TARGET = 0.90


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    right: int = 0
    seen: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def accuracy(self) -> float:
        return self.right / self.seen if self.seen else 1.0


@dataclass
class Totals:
    part: str
    scores: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    invented: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    notices: int = 0
    tasks: int = 0

    def meets(self) -> bool:
        """The issue's targets: owners and deadlines ≥95%, header fields ≥90%, none invented."""
        s = self.scores
        return (
            not self.invented
            and all(min(s[f].precision, s[f].recall) >= TARGET for f in ("owners", "deadlines"))
            and all(s[f].accuracy >= HEADER_TARGET for f in ("number", "date", "leader"))
        )


# ----------------------------------------------------------------------- reading


def load_book(path: Path = NOTICES / "directory.yaml") -> NameBook:
    return NameBook.from_directory(
        Directory.model_validate(yaml.safe_load(path.read_text("utf-8")))
    )


@cache
def _calendar(year: int) -> WorkingCalendar:
    text = (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")
    return vietnam_calendar(range(year - 1, year + 3), parse_overrides(text))


def calendar_for(day: date) -> WorkingCalendar:
    return _calendar(day.year)


def name_key(name: str | None) -> str | None:
    """One form for a name as written: abbreviations out, case, tones and punctuation aside."""
    return " ".join(name_keys(name)) if name else None


@dataclass(frozen=True)
class Reading:
    """How a part names things: codes (the corpus) or names as written (reference texts)."""

    by_name: bool

    def owner(self, task: dict[str, Any]) -> str | None:
        if not self.by_name:
            return task["owner"]
        return name_key(task["spans"]["owner"]["text"])

    def coordinators(self, task: dict[str, Any]) -> set[str]:
        if not self.by_name:
            return set(task["coordinators"])
        return {k for s in task["spans"].get("coordinators", []) if (k := name_key(s["text"]))}

    def leader(self, draft: NoticeDraft) -> str | None:
        if not self.by_name:
            return draft.leader
        span = draft.spans.get("leader")
        return name_key(span.text) if span else None

    def expected(self, value: str | None) -> str | None:
        return name_key(value) if self.by_name else value


def _phrase(value: str | None) -> str | None:
    return " ".join(value.lower().split()) if value else None


def _number(value: object) -> str | None:
    text = "".join(str(value).split()) if value else ""
    return text if any(c.isdigit() for c in text) else None


# ----------------------------------------------------------------------- scoring


def _header(score: Score, got: object, want: object) -> None:
    score.seen += 1
    score.right += got == want
    if got is not None and got == want:
        score.tp += 1
    else:
        score.fp += got is not None
        score.fn += want is not None


def _pair(
    totals: Totals, reading: Reading, got: dict[str, Any] | None, want: dict[str, Any] | None
) -> None:
    s = totals.scores
    got_coords = reading.coordinators(got) if got else set()
    want_coords = {reading.expected(c) for c in want.get("coordinators") or []} if want else set()
    s["coordinators"].tp += len(got_coords & want_coords)
    s["coordinators"].fp += len(got_coords - want_coords)
    s["coordinators"].fn += len(want_coords - got_coords)
    got_deadline = _phrase(got["deadline"]) if got else None
    want_deadline = _phrase(want.get("deadline")) if want else None
    if got_deadline and got_deadline == want_deadline:
        s["deadlines"].tp += 1
    else:
        s["deadlines"].fp += bool(got_deadline)
        s["deadlines"].fn += bool(want_deadline)


def score_notice(
    totals: Totals,
    name: str,
    draft: NoticeDraft,
    expected: dict[str, Any],
    reading: Reading,
) -> None:
    totals.notices += 1
    wanted = expected["tasks"]
    totals.tasks += len(wanted)
    parsed = draft.as_document()["tasks"]
    s = totals.scores
    _header(s["number"], _number(draft.number), _number(expected.get("number")))
    _header(s["date"], draft.date, expected.get("date"))
    _header(s["leader"], reading.leader(draft), reading.expected(expected.get("leader")))

    got_owners = [reading.owner(t) for t in parsed]
    want_owners = [reading.expected(t["owner"]) for t in wanted]
    before = (s["owners"].fp + s["owners"].fn, s["deadlines"].fp + s["deadlines"].fn)
    matcher = SequenceMatcher(a=want_owners, b=got_owners, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        wants, gots = wanted[a0:a1], parsed[b0:b1]
        if op == "equal":
            s["owners"].tp += len(wants)
            for got, want in zip(gots, wants, strict=True):
                _pair(totals, reading, got, want)
            continue
        maybe = [reading.expected(w["owner"]) or "" for w in wants if w.get("uncertain")]
        wants = [w for w in wants if not w.get("uncertain")]
        gots = [g for g in gots if not any((reading.owner(g) or "\0") in m for m in maybe)]
        s["owners"].fn += len(wants)
        s["owners"].fp += len(gots)
        for i in range(max(len(wants), len(gots))):
            _pair(
                totals,
                reading,
                gots[i] if i < len(gots) else None,
                wants[i] if i < len(wants) else None,
            )
    after = (s["owners"].fp + s["owners"].fn, s["deadlines"].fp + s["deadlines"].fn)
    if before != after:
        totals.misses.append(f"{name}: {len(parsed)} tasks parsed, {len(wanted)} expected")
    named = {o for o in want_owners if o}
    maybe = [o for o, t in zip(want_owners, wanted, strict=True) if o and t.get("uncertain")]
    totals.invented += [
        f"{name}: {o}"
        for o in got_owners
        if o and o not in named and not any(o in m for m in maybe)
    ]


def run_part(
    part: str,
    folder: Path,
    book: NameBook,
    *,
    by_name: bool = False,
    read: Callable[[Path], str] = read_notice_text,
) -> Totals:
    totals = Totals(part)
    reading = Reading(by_name)
    for expected_file in sorted(folder.glob("*.expected.yaml")):
        stem = expected_file.name.removesuffix(".expected.yaml")
        (source,) = [p for p in folder.glob(f"{stem}.*") if p.suffix in {".txt", ".pdf"}]
        expected = yaml.safe_load(expected_file.read_text("utf-8"))
        draft = parse_notice(read(source), book, calendar_for=calendar_for)
        score_notice(totals, stem, draft, expected, reading)
    return totals


# ----------------------------------------------------------------------- report


def report(totals: Totals, *, verbose: bool) -> None:
    print(f"\n[{totals.part}] {totals.notices} notices, {totals.tasks} expected tasks")
    print(f"{'field':<14}{'precision':>10}{'recall':>9}{'tp':>5}{'fp':>5}{'fn':>5}{'right':>9}")
    for name in FIELDS:
        s = totals.scores[name]
        right = f"{s.right}/{s.seen}" if name in {"number", "date", "leader"} else ""
        print(
            f"{name:<14}{s.precision:>10.1%}{s.recall:>9.1%}{s.tp:>5}{s.fp:>5}{s.fn:>5}{right:>9}"
        )
    print(f"invented owners: {len(totals.invented)}")
    for item in totals.invented:
        print(f"  {item}")
    if verbose:
        for item in totals.misses:
            print(f"  MISS {item}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="name the notices with a miss")
    parser.add_argument("--reference", type=Path, help="a folder of real notices to score too")
    parser.add_argument(
        "--reference-directory", type=Path, help="the directory to read the real notices with"
    )
    args = parser.parse_args()
    book = load_book()
    parts = [run_part(name, folder, book) for name, folder in PARTS.items()]
    if args.reference is not None:
        if not args.reference.is_dir():
            print(f"--reference: {args.reference} is not a folder", file=sys.stderr)
            return 2
        ref_book = load_book(args.reference_directory) if args.reference_directory else book
        parts.append(run_part("reference", args.reference, ref_book, by_name=True))
    for totals in parts:
        report(totals, verbose=args.verbose)
    judged = [t for t in parts if t.part != "dev"]
    ok = all(t.meets() for t in judged)
    print(
        "\ntarget on " + ", ".join(t.part for t in judged) + " (owners and deadlines ≥95%, "
        "number/date/leader ≥90%, no invented owner):",
        "met" if ok else "NOT met",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
