"""Words of a name in one normal form, with the common abbreviations written out.

Both the directory's names and the notice's text are read through ``tokens``, so "Sở
NN&MT" meets "Sở Nông nghiệp và Môi trường" and "UBND" meets "Ủy ban nhân dân".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.text import key

_TOKEN = re.compile(r"[^\W_]+|&")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the text in its normal form; abbreviations expand to several tokens
    that share the span of the abbreviation."""

    key: str
    start: int
    end: int


def _expansions() -> tuple[dict[str, list[str]], dict[tuple[str, ...], list[str]]]:
    single = {key(k): key(v).split() for k, v in lexicon.ABBREVIATIONS.items()}
    compounds = {
        tuple("và" if part == "&" else key(part) for part in parts): key(v).split()
        for parts, v in lexicon.COMPOUNDS.items()
    }
    return single, compounds


_SINGLE, _COMPOUND = _expansions()
_LONGEST_COMPOUND = max(len(k) for k in _COMPOUND)


def tokens(text: str, offset: int = 0) -> list[Token]:
    """The words of ``text`` in normal form, with abbreviations written out."""
    raw = [
        (("và" if m[0] == "&" else key(m[0])), m.start() + offset, m.end() + offset)
        for m in _TOKEN.finditer(text)
    ]
    out: list[Token] = []
    i = 0
    while i < len(raw):
        for size in range(min(_LONGEST_COMPOUND, len(raw) - i), 1, -1):
            words = tuple(k for k, _, _ in raw[i : i + size])
            if words in _COMPOUND:
                start, end = raw[i][1], raw[i + size - 1][2]
                out.extend(Token(k, start, end) for k in _COMPOUND[words])
                i += size
                break
        else:
            k, start, end = raw[i]
            out.extend(Token(e, start, end) for e in _SINGLE.get(k, [k]))
            i += 1
    return out


def name_keys(name: str) -> tuple[str, ...]:
    return tuple(t.key for t in tokens(name))
