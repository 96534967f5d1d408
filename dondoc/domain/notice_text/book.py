"""The directory as the parser needs it: every name and alias of an agency, every name of a
group, in a word tree walked token by token; and the parties a notice names.

A name resolves when, read word by word through one normal form (case, NFC/NFD, the
tone-mark placement, the common abbreviations: "UBND", "NN&MT", "Bộ CHQS"), it equals an
agency's name or one of its aliases, which include the names agencies had before the 2025
reorganisation. Nothing fuzzy: a name that matches no entry, or several, is reported as
such and a person decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from dondoc.domain.directory import Agency, AgencyGroup, Directory, Leader
from dondoc.domain.notice_text.text import canonical, key
from dondoc.domain.notice_text.tokens import Token, name_keys, tokens

_UBND = ("ủy", "ban", "nhân", "dân")


class PartyKind(StrEnum):
    AGENCY = "agency"
    """One agency of the directory."""
    GROUP = "group"
    """A collective the directory defines: stands for its members."""
    COLLECTIVE = "collective"
    """A collective the directory does not define, or a restricted one: unresolved."""
    RELATED = "related"
    """"các cơ quan liên quan": nobody in particular, nothing to resolve."""
    UNKNOWN = "unknown"
    """A name that looks like an agency's but is not in the directory: unresolved."""
    AMBIGUOUS = "ambiguous"
    """A name that several entries of the directory carry: unresolved."""
    SELF = "self"
    """The province itself (UBND tỉnh): never an owner."""


@dataclass(frozen=True)
class Party:
    """An agency or collective as written in the notice; offsets in the cleaned text."""

    start: int
    end: int
    text: str
    kind: PartyKind
    codes: tuple[str, ...] = ()
    group: str | None = None

    @property
    def resolved(self) -> bool:
        return self.kind in {PartyKind.AGENCY, PartyKind.GROUP}


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    values: set[tuple[str, str]] = field(default_factory=set)


class NameBook:
    """The directory as the parser needs it: names to codes, collectives to members."""

    def __init__(
        self,
        agencies: Iterable[Agency],
        leaders: Iterable[Leader] = (),
        groups: Iterable[AgencyGroup] = (),
    ) -> None:
        self.agencies = {a.code: a for a in agencies}
        self.leaders = list(leaders)
        self.groups = {g.name: g for g in groups}
        self._root = _Node()
        for agency in self.agencies.values():
            for name in [agency.name, *agency.aliases]:
                self._add(name, ("agency", agency.code))
                # "Bộ Chỉ huy Quân sự tỉnh" is also written without "tỉnh".
                words = name_keys(name)
                if len(words) >= 4 and words[-1] == "tỉnh":
                    self._add_keys(words[:-1], ("agency", agency.code))
                # "UBND xã Con Cuông, xã Mường Xén": the second commune without "UBND".
                if words[:4] == _UBND and len(words) >= 6 and words[4] in {"xã", "phường"}:
                    self._add_keys(words[4:], ("agency", agency.code))
        for group in self.groups.values():
            for name in [group.name, *group.aliases]:
                self._add(name, ("group", group.name))

    @classmethod
    def from_directory(cls, directory: Directory, groups: Iterable[AgencyGroup] = ()) -> NameBook:
        return cls(directory.agencies, directory.leaders, [*directory.groups, *groups])

    def _add(self, name: str, value: tuple[str, str]) -> None:
        self._add_keys(name_keys(name), value)

    def _add_keys(self, words: Sequence[str], value: tuple[str, str]) -> None:
        if not words:
            return
        node = self._root
        for word in words:
            node = node.children.setdefault(word, _Node())
        node.values.add(value)

    # ------------------------------------------------------------------ lookups

    def resolve(self, name: str) -> Party:
        """One name on its own, e.g. a table cell or a test: the whole name must match."""
        name = canonical(name)
        toks = tokens(name)
        found = self.walk(toks, 0)
        if found is None or found[0] != len(toks):
            kind = PartyKind.UNKNOWN
            return Party(0, len(name), name, kind)
        return self.party(found[1], 0, len(name), name)

    def leader(self, name: str) -> Leader | None:
        wanted = key(name)
        matches = [leader for leader in self.leaders if key(leader.name) == wanted]
        return matches[0] if len(matches) == 1 else None

    def leader_by_title(self, title: str) -> Leader | None:
        wanted = key(title)
        matches = [leader for leader in self.leaders if key(leader.title) == wanted]
        return matches[0] if len(matches) == 1 else None

    def walk(self, toks: Sequence[Token], i: int) -> tuple[int, set[tuple[str, str]]] | None:
        node, best = self._root, None
        j = i
        while j < len(toks):
            child = node.children.get(toks[j].key)
            if child is None:
                break
            node, j = child, j + 1
            if node.values:
                best = (j, node.values)
        return best

    def party(self, values: set[tuple[str, str]], start: int, end: int, text: str) -> Party:
        if len(values) > 1:
            codes = tuple(sorted(v for kind, v in values if kind == "agency"))
            return Party(start, end, text, PartyKind.AMBIGUOUS, codes)
        kind, value = next(iter(values))
        if kind == "group":
            group = self.groups[value]
            return Party(start, end, text, PartyKind.GROUP, tuple(group.members), group.name)
        return Party(start, end, text, PartyKind.AGENCY, (value,))
