"""The parser on the held-out part of the corpus (tests/notices/held-out/), which it was
never tuned on: the issue's targets hold, and no owner is ever invented.

The figures come from the same scorer as bench/parser_accuracy.py, so the test and the
bench can never disagree on what was measured.
"""

from __future__ import annotations

import sys
from pathlib import Path

from corpus import DEV, HELD_OUT, cases, load_book

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from parser_accuracy import run_part

BOOK = load_book()


def test_the_corpus_has_two_parts_of_different_texts() -> None:
    dev, held_out = cases(DEV), cases(HELD_OUT)
    assert len(dev) + len(held_out) >= 40
    assert len(held_out) >= 12
    dev_texts = {c.source.read_bytes() for c in dev}
    assert not any(c.source.read_bytes() in dev_texts for c in held_out)


def test_held_out_owners_and_deadlines_reach_the_targets_with_nothing_invented() -> None:
    totals = run_part("held-out", HELD_OUT, BOOK)
    scores = totals.scores
    assert totals.invented == []
    for name in ("owners", "deadlines"):
        assert scores[name].precision >= 0.95, name
        assert scores[name].recall >= 0.95, name
    assert min(scores["coordinators"].precision, scores["coordinators"].recall) >= 0.9
    for name in ("number", "date", "leader"):
        assert scores[name].accuracy >= 0.9, name
    assert totals.meets()
