"""Build the Vietnamese public-service calendar from a reviewed file and the ``holidays`` rules.

The statutory holidays (Labor Code 2019, art. 112: Tết Dương lịch, five days of lunar Tết,
Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and a day next to it, and from 2026 the Ngày Văn hóa
Việt Nam on 24/11, Nghị quyết 28/2026/QH16) are known in advance only as rules: which five
days of Tết and which day next to 2/9 are decided each year (art. 112(3)), and the
Ministry of Home Affairs announces swaps for public servants (a Friday off in exchange for
a Saturday worked). So the calendar has two sources, the first winning:

* the reviewed calendar file (``dondoc/data/calendar.yaml`` or the deployment's own):
  ``years`` lists complete years, every day that differs from the ordinary week with its
  standing and the text it rests on; ``overrides`` (the older format) lists single days
  laid over the rules;
* for the other years, the ``holidays`` package's application of the rules. A day whose
  date the statute fixes (1/1, 30/4, 1/5, 2/9, and 24/11 from 2026) is official; the rest
  (lunar days, compensatory days, the package's guess of Tết) is provisional until a
  complete year replaces it.

Reading files is left to the caller; this module only parses text, so it stays free of
I/O. Errors name the line, the entry and the field, in Vietnamese, because the person
loading a changed calendar is an office clerk with the file open beside the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dondoc.domain.calendar import (
    DayStanding,
    Standing,
    WorkingCalendar,
    day_label,
    group_standings,
)

HOLIDAYS_VERSION: str = holidays.__version__

LABOR_CODE = "Bộ luật Lao động 2019, Điều 112"
CULTURE_DAY = (
    "Nghị quyết số 28/2026/QH16 của Quốc hội (hiệu lực từ 01/07/2026), thực hiện chủ trương "
    "tại Nghị quyết số 80-NQ/TW của Bộ Chính trị"
)
PACKAGE_RULE = (
    "Quy tắc Bộ luật Lao động 2019 (Điều 111, 112) áp dụng trước khi có thông báo chính "
    f"thức, theo thư viện holidays {HOLIDAYS_VERSION}"
)
CULTURE_DAY_FROM = 2026

# Holidays on a date the statute itself names: sure years ahead, whatever is announced.
_FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "Tết Dương lịch",
    (4, 30): "Ngày Chiến thắng",
    (5, 1): "Ngày Quốc tế Lao động",
    (9, 2): "Quốc khánh",
}

DayKind = Literal["day_off", "working_day"]
_FIELDS = "date, kind, standing, note, document"


class CalendarEntry(BaseModel):
    """One day that differs from the ordinary week, with its standing and its text."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    date: dt.date
    kind: DayKind
    standing: Standing = Standing.OFFICIAL
    note: str = Field(min_length=1)
    document: str = Field(min_length=1)

    def day_standing(self) -> DayStanding:
        return DayStanding(
            date=self.date, standing=self.standing, source=self.document, note=self.note
        )


# The older name, kept for callers of the overrides-only format.
CalendarOverride = CalendarEntry


class CalendarFile(BaseModel):
    """A parsed calendar file: complete years, and single days over the rules."""

    model_config = ConfigDict(frozen=True)

    years: dict[int, tuple[CalendarEntry, ...]] = {}
    overrides: tuple[CalendarEntry, ...] = ()

    def replacing(self, replacement: CalendarFile) -> CalendarFile:
        """This calendar with the complete years of ``replacement`` in place of its own.

        A replaced year keeps nothing of before: its overrides go too, since the new
        year lists every day that differs from the ordinary week.
        """
        replaced = set(replacement.years)
        return CalendarFile(
            years={
                **{y: e for y, e in self.years.items() if y not in replaced},
                **replacement.years,
            },
            overrides=tuple(o for o in self.overrides if o.date.year not in replaced),
        )

    def entries(self) -> list[CalendarEntry]:
        """Every entry, years first then overrides, in file order."""
        return [e for year in sorted(self.years) for e in self.years[year]] + list(self.overrides)


class CalendarFileError(ValueError):
    """A calendar file that cannot be used; the message names the line, entry and field."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(reason if line is None else f"dòng {line}, {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.line))


# --------------------------------------------------------------------------- parsing


def parse_calendar_file(yaml_text: str) -> CalendarFile:
    """Parse a calendar file in either shape (``years`` and/or ``overrides``).

    The format is documented in the header of ``dondoc/data/calendar.yaml``.
    """
    root = _compose(yaml_text)
    if root is None:
        return CalendarFile()
    if not isinstance(root, yaml.MappingNode):
        raise CalendarFileError(
            "tệp lịch phải là một bảng có khóa «years» (lịch đầy đủ từng năm) "
            "hoặc khóa «overrides» (các ngày điều chỉnh)",
            _line(root),
        )
    years: dict[int, tuple[CalendarEntry, ...]] = {}
    overrides: tuple[CalendarEntry, ...] = ()
    places: dict[dt.date, _Place] = {}
    for key, value in root.value:
        name = _scalar(key)
        if name == "years":
            years = _parse_years(value, places)
        elif name != "overrides":
            raise CalendarFileError(
                f"khóa «{name}» không được hỗ trợ (chỉ dùng «years» và «overrides»)", _line(key)
            )
    for key, value in root.value:
        if _scalar(key) == "overrides":
            overrides = _parse_overrides(value, places, set(years))
    return CalendarFile(years=years, overrides=overrides)


def parse_year_replacement(yaml_text: str) -> CalendarFile:
    """Parse what ``dondoc calendar load`` reads: one or more complete years, nothing else.

    A replacement says everything about its years, so single-day ``overrides`` (which
    would leave the rest to a guess) are refused, and so is a file with no year.
    """
    parsed = parse_calendar_file(yaml_text)
    root = _compose(yaml_text)
    if parsed.overrides or (isinstance(root, yaml.MappingNode) and _has(root, "overrides")):
        raise CalendarFileError(
            "tệp thay lịch chỉ được có khóa «years» (lịch đầy đủ từng năm); "
            "khóa «overrides» không dùng khi thay cả năm",
            _line(root) if root is not None else None,
        )
    if not parsed.years:
        raise CalendarFileError(
            "tệp thay lịch phải có khóa «years» với ít nhất một năm, ví dụ «2027:» "
            "và danh sách các ngày nghỉ, ngày làm bù của năm đó"
        )
    return parsed


def parse_overrides(yaml_text: str) -> list[CalendarEntry]:
    """Every entry of a calendar file as a flat list (the older API).

    Applied over the rules by ``vietnam_calendar`` this gives the same days as the file
    itself as long as each complete year lists every day the rules would have added,
    which the shipped file does (a test checks it). New code should use
    ``parse_calendar_file``.
    """
    return parse_calendar_file(yaml_text).entries()


@dataclass(frozen=True)
class _Place:
    """Where an entry was read, for messages about a second entry for the same day."""

    line: int
    index: int
    kind: DayKind
    section: str


def _parse_years(
    node: yaml.Node, places: dict[dt.date, _Place]
) -> dict[int, tuple[CalendarEntry, ...]]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise CalendarFileError(
            "khóa «years» phải là một bảng: mỗi năm (ví dụ «2027:») là một danh sách các ngày",
            _line(node),
        )
    years: dict[int, tuple[CalendarEntry, ...]] = {}
    for key, value in node.value:
        raw = _scalar(key)
        if not raw.isdigit() or not 1900 <= int(raw) <= 2200:
            raise CalendarFileError(
                f"«{raw}» không phải một năm (viết bốn chữ số, ví dụ 2027)", _line(key)
            )
        year = int(raw)
        if year in years:
            raise CalendarFileError(f"năm {year} được ghi hai lần", _line(key))
        section = f"năm {year}"
        entries = _parse_entries(value, section, places)
        for entry, entry_node in entries:
            if entry.date.year != year:
                raise CalendarFileError(
                    f"{section}, {_index_of(places, entry)}, trường «date»: ngày "
                    f"{entry.date:%d/%m/%Y} không thuộc năm {year}",
                    _field_line(entry_node, "date"),
                )
            if entry.kind == "working_day" and entry.date.weekday() < 5:
                raise CalendarFileError(
                    f"{section}, {_index_of(places, entry)}, trường «kind»: "
                    f"{day_label(entry.date)} vốn là ngày làm việc; trong lịch đầy đủ của một "
                    "năm chỉ ghi «working_day» cho thứ Bảy hoặc Chủ nhật làm bù",
                    _field_line(entry_node, "kind"),
                )
        _require_fixed_holidays(year, [e for e, _ in entries], _line(key))
        years[year] = tuple(e for e, _ in entries)
    return years


def _parse_overrides(
    node: yaml.Node, places: dict[dt.date, _Place], complete_years: set[int]
) -> tuple[CalendarEntry, ...]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return ()
    entries = _parse_entries(node, "", places, list_name="«overrides»")
    for entry, entry_node in entries:
        if entry.date.year in complete_years:
            raise CalendarFileError(
                f"{_index_of(places, entry)}, trường «date»: năm {entry.date.year} đã có lịch "
                f"đầy đủ trong «years»; ghi ngày {entry.date:%d/%m/%Y} ở đó",
                _field_line(entry_node, "date"),
            )
    return tuple(e for e, _ in entries)


def _parse_entries(
    node: yaml.Node,
    section: str,
    places: dict[dt.date, _Place],
    *,
    list_name: str | None = None,
) -> list[tuple[CalendarEntry, yaml.Node]]:
    prefix = f"{section}, " if section else ""
    if not isinstance(node, yaml.SequenceNode):
        what = f"khóa {list_name}" if list_name else section
        raise CalendarFileError(f"{what} phải là một danh sách các mục", _line(node))
    loader = _DatesAsTextLoader("")
    result: list[tuple[CalendarEntry, yaml.Node]] = []
    for index, item in enumerate(node.value, start=1):
        where = f"{prefix}mục thứ {index}"
        if not isinstance(item, yaml.MappingNode):
            raise CalendarFileError(
                f"{where}: phải là một bảng gồm các trường {_FIELDS}", _line(item)
            )
        data = loader.construct_mapping(item, deep=True)
        try:
            entry = CalendarEntry.model_validate(data)
        except ValidationError as err:
            field, reason = _describe_error(err, data)
            raise CalendarFileError(
                f"{where}, trường «{field}»: {reason}", _field_line(item, field)
            ) from err
        before = places.get(entry.date)
        if before is not None:
            at = f"{before.section + ', ' if before.section else ''}mục thứ {before.index}"
            if before.kind != entry.kind:
                reason = (
                    f"ngày {entry.date:%d/%m/%Y} vừa là {_KIND_WORDS[before.kind]} ({at}, "
                    f"dòng {before.line}) vừa là {_KIND_WORDS[entry.kind]}"
                )
            else:
                reason = f"ngày {entry.date:%d/%m/%Y} đã có ở {at} (dòng {before.line})"
            raise CalendarFileError(f"{where}, trường «date»: {reason}", _field_line(item, "date"))
        places[entry.date] = _Place(_line(item), index, entry.kind, section)
        result.append((entry, item))
    return result


_KIND_WORDS: dict[str, str] = {"day_off": "ngày nghỉ", "working_day": "ngày làm việc"}


def _require_fixed_holidays(year: int, entries: list[CalendarEntry], line: int) -> None:
    """A complete year replaces the rules, so it must not forget a holiday the law fixes."""
    off = {e.date for e in entries if e.kind == "day_off"}
    wanted = dict(_FIXED_HOLIDAYS)
    if year >= CULTURE_DAY_FROM:
        wanted[(11, 24)] = "Ngày Văn hóa Việt Nam"
    for (month, day), name in sorted(wanted.items()):
        if dt.date(year, month, day) not in off:
            source = "Nghị quyết số 28/2026/QH16" if (month, day) == (11, 24) else LABOR_CODE
            raise CalendarFileError(
                f"năm {year}: thiếu ngày nghỉ lễ {day:02d}/{month:02d}/{year} ({name}, theo "
                f"{source}); lịch đầy đủ của một năm phải ghi mọi ngày nghỉ",
                line,
            )


def _describe_error(err: ValidationError, data: dict[Any, Any]) -> tuple[str, str]:
    """Pydantic's first complaint as (field, a sentence an office clerk can act on)."""
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    kind = first["type"]
    if kind == "extra_forbidden":
        return field, f"trường không được hỗ trợ (chỉ dùng {_FIELDS})"
    if field == "document" and kind in ("missing", "string_too_short"):
        return field, _missing_document(str(data.get("standing") or "official"))
    if kind == "missing":
        return field, "thiếu giá trị"
    if field == "date":
        return field, f"«{first.get('input')}» không phải ngày hợp lệ (viết dạng YYYY-MM-DD)"
    if field == "kind":
        return field, f"«{first.get('input')}» không hợp lệ, phải là «day_off» hoặc «working_day»"
    if field == "standing":
        return field, (
            f"«{first.get('input')}» không hợp lệ, phải là «official» (chính thức), "
            "«provisional» (dự kiến) hoặc «office» (quyết định của Văn phòng)"
        )
    if kind == "string_too_short":
        return field, "không được để trống"
    if kind == "string_type":
        return field, "phải là một chuỗi văn bản"
    return field, str(first["msg"])


def _missing_document(standing: str) -> str:
    if standing == Standing.PROVISIONAL:
        return "thiếu giá trị: ngày dự kiến phải ghi căn cứ (quy tắc hoặc đề xuất mà nó dựa vào)"
    if standing == Standing.OFFICE:
        return "thiếu giá trị: ngày do Văn phòng quyết định phải ghi số hiệu, ngày của quyết định"
    return "thiếu giá trị: ngày chính thức phải ghi văn bản ban hành (số hiệu, ngày, cơ quan)"


def _index_of(places: dict[dt.date, _Place], entry: CalendarEntry) -> str:
    return f"mục thứ {places[entry.date].index}"


def _compose(yaml_text: str) -> yaml.Node | None:
    try:
        return yaml.compose(yaml_text, Loader=_DatesAsTextLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (dòng {mark.line + 1})" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise CalendarFileError(f"tệp lịch không phải YAML hợp lệ{where}: {problem}") from err


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "?"


def _has(node: yaml.MappingNode, name: str) -> bool:
    return any(_scalar(key) == name for key, _ in node.value)


def _field_line(node: yaml.Node, field: str) -> int:
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if _scalar(key) == field:
                return _line(key)
    return _line(node)


class _DatesAsTextLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text.

    PyYAML turns ``2026-02-30`` into a bare ``ValueError`` with no position, so dates are
    handed to pydantic as strings instead, where a bad one is reported with its entry.
    """


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# -------------------------------------------------------------------------- building


def vietnam_calendar(
    years: Iterable[int],
    source: CalendarFile | Iterable[CalendarEntry] = (),
    *,
    day_start: dt.time = dt.time(8),
    day_end: dt.time = dt.time(17),
) -> WorkingCalendar:
    """The public-service calendar for ``years``, each day with its standing.

    A year the file lists completely is taken from the file alone; the other years come
    from the rules, with the file's ``overrides`` laid over them. Only the requested
    years enter the result, which keeps workflow inputs small and stable.
    """
    wanted = sorted(set(years))
    file = source if isinstance(source, CalendarFile) else CalendarFile(overrides=tuple(source))
    days_off: set[dt.date] = set()
    worked: set[dt.date] = set()
    standings: dict[dt.date, DayStanding] = {}

    for day, standing in _rule_days([y for y in wanted if y not in file.years]):
        days_off.add(day)
        standings[day] = standing
    ruled = [y for y in wanted if y not in file.years]
    for day in _package_make_up_days(ruled):
        worked.add(day)
        standings[day] = DayStanding(
            date=day, standing=Standing.PROVISIONAL, source=PACKAGE_RULE, note="Làm bù"
        )

    chosen = [e for y in wanted for e in file.years.get(y, ())]
    chosen += [o for o in file.overrides if o.date.year in ruled]
    for entry in chosen:
        if entry.kind == "day_off":
            days_off.add(entry.date)
            worked.discard(entry.date)
        else:
            worked.add(entry.date)
            days_off.discard(entry.date)
        standings[entry.date] = entry.day_standing()
    return WorkingCalendar(
        days_off=frozenset(days_off),
        extra_working_days=frozenset(worked),
        day_start=day_start,
        day_end=day_end,
        standings=group_standings(standings.values()),
    )


def _rule_days(years: list[int]) -> list[tuple[dt.date, DayStanding]]:
    if not years:
        return []
    public = holidays.country_holidays("VN", years=years, observed=True, language="vi")
    found = {day: str(name) for day, name in public.items() if day.year in years}
    for year in years:
        if year >= CULTURE_DAY_FROM:
            # Older releases of the package do not know the 2026 law; the law wins.
            found.setdefault(dt.date(year, 11, 24), "Ngày Văn hóa Việt Nam")
    result: list[tuple[dt.date, DayStanding]] = []
    for day, name in sorted(found.items()):
        if (day.month, day.day) == (11, 24) and day.year >= CULTURE_DAY_FROM:
            standing = DayStanding(
                date=day, standing=Standing.OFFICIAL, source=CULTURE_DAY, note=name
            )
        elif (day.month, day.day) in _FIXED_HOLIDAYS:
            standing = DayStanding(
                date=day, standing=Standing.OFFICIAL, source=LABOR_CODE, note=name
            )
        else:
            standing = DayStanding(
                date=day, standing=Standing.PROVISIONAL, source=PACKAGE_RULE, note=name
            )
        result.append((day, standing))
    return result


def _package_make_up_days(years: list[int]) -> set[dt.date]:
    if not years:
        return set()
    public = holidays.country_holidays("VN", years=years, observed=True)
    # The package reports make-up Saturdays of every year it knows, whichever were asked.
    return {day for day in getattr(public, "weekend_workdays", set()) if day.year in years}
