"""The notice text as the parser reads it, and the way back to the text as given.

Everything the parser reports points into the text it was given (a page shows each field
beside its source), but it reads a cleaned copy: NFC letters with one tone-mark placement,
lines of a PDF joined back into paragraphs, hyphenation and page numbers gone. Every
character of the cleaned copy remembers where it came from, so a span found in the copy
maps back to the original.

Written by hand: the tone placement rule and the line joining are specific to Vietnamese
administrative text, and no maintained library does either with offsets kept.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

# ----------------------------------------------------------------------- tone marks

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
# "hoà" and "hòa", "thuý" and "thúy", "uỷ" and "ủy" are the same word written in the
# old and the new style. Only open rhymes oa, oe, uy differ; the reader keeps the tone
# on their first vowel. "qu" is a consonant, so "quý" stays as it is.
_OPEN_RHYME = re.compile(r"^(?!qu)[^aăâeêioôơuưy]*(oa|oe|uy)$")
_WORD = re.compile(r"[^\W\d_]+")


def _canonical_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    rhyme = _OPEN_RHYME.match(base.lower())
    if rhyme is None:
        return word
    at = rhyme.start(1)
    marked = unicodedata.normalize("NFC", base[at] + tones[0])
    result = base[:at] + marked + base[at + 1 :]
    # The same number of letters either way, so offsets do not move.
    return result if len(result) == len(word) else word


def canonical(text: str) -> str:
    """NFC text with the tone of every open oa/oe/uy rhyme on its first vowel."""
    text = unicodedata.normalize("NFC", text)
    return _WORD.sub(lambda m: _canonical_word(m[0]), text)


def key(text: str) -> str:
    """The form two spellings of one name share: canonical tones, case folded, one space."""
    return " ".join(canonical(text).casefold().replace("ð", "đ").split())


# ------------------------------------------------------------------ mapped text


@dataclass(frozen=True)
class Mapped:
    """A text and, for each of its characters, the offset it came from in the original."""

    text: str
    origin: tuple[int, ...]
    original_length: int
    display: str = ""
    """The same text with the tone marks as written: what a person is shown."""

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]`` (end exclusive)."""
        if start >= end:
            at = self.origin[start] if start < len(self.origin) else self.original_length
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.origin: list[int] = []

    def add(self, text: str, origin: list[int] | tuple[int, ...]) -> None:
        self.parts.append(text)
        self.origin.extend(origin)

    def build(self, original_length: int) -> Mapped:
        return Mapped("".join(self.parts), tuple(self.origin), original_length)


_SUPERSCRIPTS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹")


def normalise(original: str) -> Mapped:
    """NFC, one tone placement, plain spaces and line ends; each character mapped back.

    NFD input (pasted from macOS or a PDF) composes into fewer characters: each composed
    character maps to the start of its cluster.
    """
    out = _Builder()
    i, n = 0, len(original)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1
        cluster = original[i:j]
        if cluster == "\r":
            if j < n and original[j] == "\n":
                i = j
                continue
            cluster = "\n"
        elif cluster in {"\u00a0", "\u2007", "\u202f", "\u200b"}:
            cluster = " "
        elif cluster in _SUPERSCRIPTS and i > 0 and not original[i - 1].isspace():
            i = j  # a footnote mark after a word ("báo cáo¹"): not part of the words
            continue
        elif cluster in {"\u2028", "\u2029", "\x0b"}:
            cluster = "\n"
        composed = unicodedata.normalize("NFC", cluster)
        out.add(composed, [i] * len(composed))
        i = j
    mapped = out.build(n)
    tones = canonical(mapped.text)
    if len(tones) != len(mapped.text):  # pragma: no cover - canonical keeps lengths
        tones = mapped.text
    return Mapped(tones, mapped.origin, n, mapped.text)


# ------------------------------------------------------------------ PDF clean-up

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*[-–—])?\s*$", re.I
)
_LIST_START = re.compile(
    r"^\s*(?:[IVX]{1,5}\.\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ][).]\s|[-–—•+*]\s?\S|Nơi nhận|Kính gửi)",
    re.IGNORECASE,
)
_ENDS_SENTENCE = re.compile(r"(?:[.;:!?]|\./\.|\.\s*/)\s*$")
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])-\s*$")
_SEPARATOR = re.compile(r"^\s*[_\-–—=*.·]{3,}\s*$")


def _is_upper_heading(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _running_lines(lines: list[str]) -> set[str]:
    """Short lines that recur: page headers and footers a PDF repeats on every page."""
    seen: dict[str, int] = {}
    for line in lines:
        stripped = " ".join(line.split())
        if 4 <= len(stripped) <= 80 and not _LIST_START.match(stripped):
            seen[stripped] = seen.get(stripped, 0) + 1
    return {s for s, count in seen.items() if count >= 2 and not s.endswith((";", ".", ":"))}


def clean(mapped: Mapped) -> Mapped:
    """Paragraphs back from PDF lines: one paragraph per line in the result.

    A line break is kept where a paragraph plausibly ends (sentence punctuation, a list
    marker on the next line, a heading in capitals, a short line followed by a capital,
    a table row) and joined with a space elsewhere. A hyphen at the end of a line before
    a lower-case letter is a break inside a word and disappears; page numbers, form
    feeds and repeated running headers go.
    """
    text = mapped.text
    # Lines with their start offsets in ``text``.
    lines: list[tuple[int, str]] = []
    start = 0
    for piece in text.split("\n"):
        lines.append((start, piece))
        start += len(piece) + 1
    lengths = [len(s.strip()) for _, s in lines if len(s.strip()) > 20]
    wrap = statistics.quantiles(lengths, n=10)[-1] if len(lengths) >= 4 else 10_000
    running = _running_lines([s for _, s in lines])
    seen_running: set[str] = set()

    # A repeated line next to a page number or a page break is a running header or
    # footer: every copy goes. Other repeated short lines keep their first copy.
    paging = {
        i
        for i, (_, line) in enumerate(lines)
        if "\f" in line or (line.strip() and _PAGE_NUMBER.match(" ".join(line.split())))
    }
    beside_page = {
        " ".join(lines[j][1].split()) for i in paging for j in (i - 1, i + 1) if 0 <= j < len(lines)
    }
    kept: list[tuple[int, str, bool]] = []
    after_page = False
    for offset, line in lines:
        stripped = " ".join(line.replace("\f", " ").split())
        if "\f" in line:
            after_page = True
        if stripped and _PAGE_NUMBER.match(stripped):
            continue
        if stripped in running:
            if stripped in seen_running or stripped in beside_page:
                continue
            seen_running.add(stripped)
        if not stripped and "\f" in line:
            continue
        kept.append((offset, line.replace("\f", " "), after_page))
        if stripped:
            after_page = False

    out = _Builder()
    previous: str | None = None
    blank = False
    for offset, line, page_break in kept:
        if not line.strip():
            blank = previous is not None
            continue
        if previous is not None:
            how = "break" if blank else _join(previous, line, wrap, page_break=page_break)
            if how == "hyphen":
                # Drop the hyphen (and any spaces after it) already emitted.
                while out.parts and out.parts[-1] in {"-", " "}:
                    last = out.parts.pop()
                    del out.origin[-1]
                    if last == "-":
                        break
            elif how == "space":
                out.add(" ", [offset - 1])
            elif how == "break":
                out.add("\n", [offset - 1])
        for i, ch in enumerate(line):
            out.add(ch, [offset + i])
        previous, blank = line, False
    result = out.build(mapped.original_length)
    origin = tuple(mapped.origin[i] for i in result.origin)
    shown = mapped.display or mapped.text
    display = "".join(
        shown[i] if mapped.text[i] == c else c
        for c, i in zip(result.text, result.origin, strict=True)
    )
    return Mapped(result.text, origin, mapped.original_length, display)


def _join(previous: str, line: str, wrap: float, *, page_break: bool) -> str:
    """How a line continues the one before it: "break", "space", "hyphen" or "glue"."""
    prev, nxt = previous.rstrip(), line.strip()
    if not prev or not nxt:
        return "break"
    if " | " in prev or " | " in line or prev.endswith("|") or nxt.startswith("|"):
        return "break"
    if _SEPARATOR.match(prev) or _SEPARATOR.match(nxt):
        return "break"
    if _LIST_START.match(nxt):
        return "break"
    if _HYPHEN_END.search(prev):
        return "hyphen" if nxt[0].islower() else "glue"
    if _ENDS_SENTENCE.search(prev):
        return "break"
    if _is_upper_heading(prev) or _is_upper_heading(nxt):
        return "break"
    if nxt[0].islower() or nxt[0] in ",;)":
        return "space"
    if len(prev) >= 0.7 * wrap or page_break:
        return "space"
    return "break"


# ------------------------------------------------------------------------ source


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the cleaned text: ``start``/``end`` are offsets in that text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Source:
    """The text as given and the cleaned copy the parser reads."""

    original: str
    clean: Mapped

    @classmethod
    def read(cls, original: str) -> Source:
        return cls(original, clean(normalise(original)))

    @property
    def text(self) -> str:
        return self.clean.text

    def paragraphs(self, start: int = 0, end: int | None = None) -> list[Paragraph]:
        """Non-blank lines of the cleaned text between two offsets, trimmed."""
        end = len(self.text) if end is None else end
        found: list[Paragraph] = []
        for m in re.finditer(r"[^\n]+", self.text[start:end]):
            a, b = start + m.start(), start + m.end()
            while a < b and self.text[a].isspace():
                a += 1
            while b > a and self.text[b - 1].isspace():
                b -= 1
            if a < b:
                found.append(Paragraph(a, b, self.text[a:b]))
        return found

    def show(self, start: int, end: int) -> str:
        """The cleaned text between two offsets as written (tones as in the original)."""
        return self.clean.display[start:end]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original text of a span of the cleaned text.

        The end takes in the combining marks of the last letter, which NFD text keeps
        apart from it.
        """
        a, b = self.clean.to_original(start, end)
        while b < len(self.original) and unicodedata.combining(self.original[b]):
            b += 1
        return a, b
