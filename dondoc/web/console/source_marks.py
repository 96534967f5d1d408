"""The notice's text beside the review form, cut where the draft's fields were read.

Every field of the form has a name (``t3-owner``, ``notice-number``); a piece of the text
carries the names of every field read from it (a letter's one sentence is the work of
every addressee's task), so a click on the field shows its words and a click on the words
shows its field. The colour is that of the narrowest, most decisive field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from dondoc.web.console.draft_form import LABELS, NOTICE, DraftForm

# Where spans overlap (the work contains the result), the narrower field gives the colour.
PRIORITY = ("owner", "coordinators", "deadline", "result", "work")
HEADER = ("number", "date", "subject", "leader", "signer")


@dataclass
class Piece:
    text: str
    refs: list[str] = field(default_factory=list)
    """The fields read from these words, as ``part-field`` names."""
    colour: str = ""
    """``owner`` … ``work``, ``header``; empty for words only a task's source covers."""
    title: str = ""
    anchors: list[str] = field(default_factory=list)
    """Fields whose first words start here: the target of the field's «xem trong văn bản»."""

    @property
    def lead(self) -> tuple[str, str]:
        """(part, field) a click on these words goes to: the first field not a source."""
        chosen = next((r for r in self.refs if not r.endswith("-source")), self.refs[0])
        part, _, name = chosen.partition("-")
        return part, name


def ref(part: str, name: str) -> str:
    return f"{part}-{name}"


def _marks(form: DraftForm) -> list[tuple[int, int, str, str, str]]:
    """(start, end, ref, colour, title) of every span, clipped to the text."""
    n = len(form.text)
    found: list[tuple[int, int, str, str, str]] = []
    for name in HEADER:
        for a, b in form.header.spans.get(name, []):
            found.append((a, b, ref(NOTICE, name), "header", LABELS[name]))
    for position, row in enumerate(form.rows, start=1):
        for name in (*PRIORITY, "source"):
            colour = name if name != "source" else ""
            for a, b in row.spans.get(name, []):
                title = f"{LABELS[name]} — nhiệm vụ {position}"
                found.append((a, b, ref(row.uid, name), colour, title))
    return [(max(0, a), min(b, n), r, c, t) for a, b, r, c, t in found if a < min(b, n)]


def pieces(form: DraftForm) -> list[Piece]:
    """The whole text as consecutive pieces, each with the fields read from it."""
    text = form.text
    marks = _marks(form)
    cuts = sorted({0, len(text), *(a for a, *_ in marks), *(b for _, b, *_ in marks)})
    rank = {name: i for i, name in enumerate((*PRIORITY, "header", ""))}
    starts: dict[int, list[str]] = {}
    seen: set[str] = set()
    for a, _, r, _, _ in sorted(marks):
        if r not in seen:
            seen.add(r)
            starts.setdefault(a, []).append(r)
    opening: dict[int, list[int]] = {}
    for i, (a, *_) in enumerate(marks):
        opening.setdefault(a, []).append(i)
    active: dict[int, tuple[int, int, str, str, str]] = {}
    out: list[Piece] = []
    for a, b in pairwise(cuts):
        for i in [i for i, m in active.items() if m[1] <= a]:
            del active[i]
        for i in opening.get(a, []):
            active[i] = marks[i]
        covering = sorted(active.values())
        refs = list(dict.fromkeys(m[2] for m in covering))
        colours = sorted((m[3] for m in covering), key=lambda c: rank[c])
        titles = list(dict.fromkeys(m[4] for m in covering if m[3]))
        piece = Piece(
            text=text[a:b],
            refs=refs,
            colour=colours[0] if colours else "",
            title="; ".join(titles),
            anchors=starts.get(a, []),
        )
        if out and not piece.anchors and (out[-1].refs, out[-1].colour) == (refs, piece.colour):
            out[-1].text += piece.text
        else:
            out.append(piece)
    return out
