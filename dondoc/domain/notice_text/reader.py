"""Lists of agencies read out of a notice's text: "Sở A, Sở B và UBND các xã, phường".

Collective names ("các sở, ban, ngành", "UBND các xã, phường") resolve to a group only
when the directory defines one under that name; restricted ones ("... có cụm công
nghiệp", "... liên quan") never do. A capitalised name that starts like an agency's but is
not in the directory is returned as unknown, with its words, for a person to resolve.
"""

from __future__ import annotations

import bisect
import re

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.book import NameBook, Party, PartyKind
from dondoc.domain.notice_text.tokens import Token, name_keys, tokens

_ORG_HEAD = re.compile(
    r"(?:Sở|Ban|Bộ|Cục|Chi cục|Ủy ban|Công an|Văn phòng|Trung tâm|Công ty|Tổng công ty|"
    r"Tập đoàn|Đài|Báo|Trường|Bệnh viện|Kho bạc|Ngân hàng|Thanh tra|Hội|Liên minh|"
    r"Liên đoàn|Tỉnh đoàn|Bảo hiểm|Quỹ|Cảng vụ|Điện lực|Viễn thông|Bưu điện|Viện|"
    r"Học viện|Đảng ủy|Hạt|Đội|Phòng|Đồn|Chi nhánh|Vườn quốc gia|Khu bảo tồn|Đoàn|"
    r"Mặt trận|Hội đồng|Tổ công tác|Cảnh sát|Vụ|Tổng cục)(?![^\W\d_])"
)
# Heads that are also common words ("Báo cáo", "Hội nghị", "Đoàn công tác"): an agency
# only when a capital follows ("Báo Nghệ An", "Hội Nông dân tỉnh").
_SHORT_HEAD = re.compile(
    rf"(?:Báo|Đài|Hội|Đoàn|Đội|Phòng|Hạt|Viện|Quỹ|Vụ|Ban|Bộ|Sở|Cục)\s+(?![{lexicon.UPPER}])"
)
_ELLIPSIS = re.compile(
    r"(?:(?P<ubnd>UBND|Ủy ban nhân dân)\s+)?các\s+"
    r"(?P<kind>Sở|Ban|xã,\s*phường|phường,\s*xã|xã|phường)\s*(?P<colon>:)?\s*",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\s*(?:,|;|\bvà\b|\bcùng\b)\s*(?:với\s+)?", re.IGNORECASE)
_NAME_STOP = re.compile(r"[,;.:()\[\]\"“”|]|\s(?:và|cùng|với|để|theo|tại)\s")


class Reader:
    """Reads lists of agencies out of one cleaned notice text."""

    def __init__(self, book: NameBook, text: str) -> None:
        self.book = book
        self.text = text
        self.toks = tokens(text)
        self._starts = [t.start for t in self.toks]

    # ---------------------------------------------------------------- helpers

    def _token_at(self, pos: int) -> int | None:
        i = bisect.bisect_left(self._starts, pos)
        return i if i < len(self.toks) and self.toks[i].start == pos else None

    def _skip_space(self, pos: int, end: int) -> int:
        while pos < end and self.text[pos] in " \t":
            pos += 1
        return pos

    def _name_end(self, pos: int, end: int) -> int:
        """Where a name that is not in the directory ends: punctuation, "và", a verb."""
        stop = _NAME_STOP.search(self.text, pos, end)
        limit = stop.start() if stop else end
        for m in re.finditer(r"\s+", self.text[pos:limit]):
            after = pos + m.end()
            if lexicon.NAME_COMPOUND_BEFORE.search(self.text, pos, pos + m.start() + 1):
                continue
            if lexicon.VERB.match(self.text, after) or lexicon.ASSIGN_CUE.match(self.text, after):
                return pos + m.start()
        return limit

    def _trie(self, pos: int, end: int) -> tuple[int, set[tuple[str, str]]] | None:
        i = self._token_at(pos)
        if i is None:
            return None
        found = self.book.walk(self.toks, i)
        if found is None:
            return None
        j, values = found
        stop = self.toks[j - 1].end
        return (stop, values) if stop <= end else None

    # ---------------------------------------------------------------- reading

    def parties(self, pos: int, end: int, *, loose: bool = False) -> tuple[list[Party], int]:
        """A list of agencies starting at ``pos``: "Sở A, Sở B và UBND các xã, phường".

        Returns the parties read and where the list ends (``pos`` when there is none).
        ``loose`` (right after "Giao", "phối hợp với") takes any capitalised words for a
        name not in the directory; elsewhere such a name must start like an agency's.
        """
        found: list[Party] = []
        at = self._skip_space(pos, end)
        stop = pos
        while at < end:
            q = at
            if found:
                sep = _SEPARATOR.match(self.text, q, end)
                if sep is None:
                    break
                q = sep.end()
            title = lexicon.TITLE.match(self.text, q, end)
            if title and not lexicon.SELF.match(self.text, title.end(), end):
                q = title.end()
            read = self._one(q, end, loose=loose)
            if not read:
                break
            found.extend(read)
            stop = at = read[-1].end
        return found, stop

    def _one(self, q: int, end: int, *, loose: bool = False) -> list[Party]:
        text = self.text
        selfm = lexicon.SELF.match(text, q, end)
        if selfm:
            return [Party(q, selfm.end(), selfm[0], PartyKind.SELF)]
        ellipsis = self._ellipsis(q, end)
        if ellipsis:
            return ellipsis
        trie = self._trie(q, end)
        collective = lexicon.COLLECTIVE.match(text, q, end)
        if collective and (trie is None or collective.end() > trie[0]):
            return [self._collective(q, collective.end(), end, None)]
        if trie is not None:
            stop, values = trie
            party = self.book.party(values, q, stop, text[q:stop])
            if party.kind == PartyKind.GROUP:
                return [self._collective(q, stop, end, party)]
            tail = re.match(r"\s+tỉnh(?:\s+Nghệ An)?(?![^\W\d_])", text[stop:end])
            if tail and party.kind == PartyKind.AGENCY:
                stop += tail.end()
                party = Party(q, stop, text[q:stop], party.kind, party.codes)
            return [party]
        if (
            q < end
            and text[q].isupper()
            and (loose or _ORG_HEAD.match(text, q, end))
            and not _SHORT_HEAD.match(text, q, end)
            and not lexicon.VERB.match(text[q:end].lower())
        ):
            stop = self._name_end(q, end)
            if stop > q:
                name = text[q:stop].rstrip()
                return [Party(q, q + len(name), name, PartyKind.UNKNOWN)]
        return []

    def _collective(self, q: int, stop: int, end: int, group: Party | None) -> Party:
        text = self.text
        related = lexicon.RELATED.match(text, stop, end)
        if related:
            stop = related.end()
            return Party(q, stop, text[q:stop], PartyKind.RELATED)
        qualifier = lexicon.QUALIFIER.match(text, stop, end)
        if qualifier:
            stop = self._name_end(qualifier.end(), end)
            return Party(q, stop, text[q:stop].rstrip(), PartyKind.COLLECTIVE)
        if group is not None:
            return group
        # "các chủ đầu tư hạ tầng cụm công nghiệp": the words that describe them belong
        # to the name, up to the next separator or verb.
        stop = max(stop, self._name_end(stop, end))
        name = text[q:stop].rstrip()
        return Party(q, q + len(name), name, PartyKind.COLLECTIVE)

    def _ellipsis(self, q: int, end: int) -> list[Party]:
        """ "các Sở: Tài chính, Xây dựng", "UBND các phường: Yên Bái, Văn Phú"."""
        m = _ELLIPSIS.match(self.text, q, end)
        if m is None:
            return []
        kind = m["kind"].lower()
        after = m.end()
        if not m["colon"] and not (kind == "sở" and after < end and self.text[after].isupper()):
            return []
        prefixes: list[list[str]]
        if kind in {"sở", "ban"}:
            prefixes = [[kind]]
        else:
            heads = ["xã", "phường"] if "," in kind else [kind]
            prefixes = [[*name_keys("Ủy ban nhân dân"), h] for h in heads]
            if not m["ubnd"]:
                prefixes += [[h] for h in heads]
        found: list[Party] = []
        at = after
        while at < end:
            i = self._token_at(at)
            if i is None or not self.text[at].isupper():
                break
            best: tuple[int, set[tuple[str, str]]] | None = None
            for prefix in prefixes:
                virtual = [Token(k, at, at) for k in prefix] + self.toks[i:]
                hit = self.book.walk(virtual, 0)
                if hit and hit[0] > len(prefix) and (best is None or hit[0] > best[0]):
                    best = (hit[0] - len(prefix), hit[1])
            if best is not None:
                stop = self.toks[i + best[0] - 1].end
                label = f"{m['kind']} {self.text[at:stop]}".strip()
                party = self.book.party(best[1], at, stop, label)
            else:
                stop = self._name_end(at, end)
                if stop <= at:
                    break
                label = f"{m['kind']} {self.text[at:stop]}".strip()
                party = Party(at, stop, label, PartyKind.UNKNOWN)
            found.append(party)
            sep = re.compile(r"\s*(?:,|và)\s*").match(self.text, stop, end)
            if sep is None:
                break
            at = sep.end()
        if not found:
            return []
        # The first party's span starts at "các Sở", so a page highlights the whole list.
        first = found[0]
        found[0] = Party(q, first.end, first.text, first.kind, first.codes, first.group)
        return found
