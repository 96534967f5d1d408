"""The working-day calendar, kept as plain data, with the standing of every day.

Every reminder, escalation and deadline must land on a working day, in working hours, in
Vietnam time. The calendar is copied into Temporal workflow inputs so that a workflow
computes the same instants on replay years later, whatever holiday library the worker has
installed by then; that is why it is a frozen pydantic model of dates, and why it never
imports ``holidays`` (see ``vietnam_calendar`` for how one is built).

A day off is only as sure as the text behind it. Tết of a year the Ministry has not yet
announced is a guess, and a deadline or a reminder that rests on a guess must say so, so
each day that differs from the ordinary week carries its standing: official (with the
enacting document), provisional (a rule applied ahead of the announcement, or a
proposal), or decided by the office. ``standing_of`` answers for every day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

# A calendar in which no working day turns up within ten years is broken data, not a
# long holiday; searching stops there instead of looping forever.
_SEARCH_LIMIT_DAYS = 3660

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

# The 40-hour week of public servants, Monday to Friday: the ordinary rule that a day
# with no entry of its own follows.
ORDINARY_WEEK = "Quyết định số 188/1999/QĐ-TTg của Thủ tướng Chính phủ (tuần làm việc 40 giờ)"

# What a calendar from before standings were recorded says of its days off (a workflow
# started earlier carries such a calendar); unknown is reported as unsure, never as sure.
UNRECORDED = "Chưa ghi căn cứ cho ngày này trong lịch"


class Standing(StrEnum):
    """How sure a day of the calendar is, and who says so."""

    OFFICIAL = "official"
    PROVISIONAL = "provisional"
    OFFICE = "office"


STANDING_LABELS: dict[Standing, str] = {
    Standing.OFFICIAL: "chính thức",
    Standing.PROVISIONAL: "dự kiến, chưa chính thức",
    Standing.OFFICE: "theo quyết định của Văn phòng",
}


class DayStanding(BaseModel):
    """The standing of one day and the text it rests on.

    ``source`` is the enacting document for an official day, the rule or the proposal
    for a provisional one, the office's decision for an office day; ``note`` says which
    holiday it is, where the answer comes from a calendar file (the frozen calendar of a
    workflow keeps no notes, to stay small).
    """

    model_config = ConfigDict(frozen=True)

    date: date
    standing: Standing
    source: str = Field(min_length=1)
    note: str = ""

    @property
    def is_provisional(self) -> bool:
        return self.standing == Standing.PROVISIONAL


class StandingGroup(BaseModel):
    """Days that share a standing and a source; grouping keeps workflow inputs small."""

    model_config = ConfigDict(frozen=True)

    standing: Standing
    source: str = Field(min_length=1)
    days: frozenset[date]

    @field_serializer("days")
    def _sorted_days(self, value: frozenset[date]) -> list[date]:
        return sorted(value)


def group_standings(days: Iterable[DayStanding]) -> tuple[StandingGroup, ...]:
    """Per-day standings as groups, in a stable order (so equal calendars dump equally)."""
    groups: dict[tuple[Standing, str], set[date]] = {}
    for day in days:
        groups.setdefault((day.standing, day.source), set()).add(day.date)
    return tuple(
        StandingGroup(standing=standing, source=source, days=frozenset(found))
        for (standing, source), found in sorted(groups.items(), key=lambda g: min(g[1]))
    )


def day_label(d: date) -> str:
    """``thứ Năm 04/02/2027``, ``Chủ nhật 07/02/2027``: a day named inside a sentence."""
    name = WEEKDAYS[d.weekday()]
    return f"{name[0].lower() + name[1:] if name.startswith('Thứ') else name} {d:%d/%m/%Y}"


class WorkingCalendar(BaseModel):
    """Which days are worked and between which hours, in one time zone.

    ``extra_working_days`` wins over ``days_off`` and over the weekend, because an
    official make-up Saturday is worked even though it is a weekend day.
    """

    model_config = ConfigDict(frozen=True)

    tz: str = "Asia/Ho_Chi_Minh"
    days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    day_start: time = time(8, 0)
    day_end: time = time(17, 0)
    # Days that differ from the ordinary week (and any other day whose standing is worth
    # telling), grouped by standing and source; a day belongs to one group at most.
    standings: tuple[StandingGroup, ...] = ()

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"múi giờ «{value}» không tồn tại") from err
        return value

    @field_validator("day_start", "day_end")
    @classmethod
    def _naive_time(cls, value: time) -> time:
        # Working hours are wall-clock hours in ``tz``; an offset here would contradict it.
        if value.tzinfo is not None:
            raise ValueError("giờ làm việc không được kèm múi giờ")
        return value

    @model_validator(mode="after")
    def _hours_in_order(self) -> WorkingCalendar:
        if self.day_start >= self.day_end:
            raise ValueError(
                f"giờ bắt đầu làm việc ({self.day_start:%H:%M}) phải sớm hơn "
                f"giờ kết thúc ({self.day_end:%H:%M})"
            )
        return self

    @field_validator("standings")
    @classmethod
    def _one_standing_per_day(cls, value: tuple[StandingGroup, ...]) -> tuple[StandingGroup, ...]:
        seen: set[date] = set()
        for group in value:
            twice = seen & group.days
            if twice:
                raise ValueError(f"ngày {min(twice):%d/%m/%Y} có hai căn cứ trong lịch")
            seen |= group.days
        return value

    @field_serializer("days_off", "extra_working_days")
    def _sorted_dates(self, value: frozenset[date]) -> list[date]:
        # Sets have no order; sorting keeps the JSON identical for identical calendars,
        # so workflow inputs and stored histories compare equal byte for byte.
        return sorted(value)

    def zone(self) -> ZoneInfo:
        """The calendar's time zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.tz)

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri unless a day off, plus make-up working days."""
        _require_plain_date(d)
        if d in self.extra_working_days:
            return True
        if d in self.days_off:
            return False
        return d.weekday() < 5

    def is_working_moment(self, at: datetime) -> bool:
        """Whether a person at the agency could be expected to read mail right now."""
        local = self._local(at)
        return self.is_working_day(local.date()) and (self.day_start <= local.time() < self.day_end)

    @cached_property
    def _standing_by_day(self) -> dict[date, DayStanding]:
        return {
            day: DayStanding(date=day, standing=group.standing, source=group.source)
            for group in self.standings
            for day in group.days
        }

    def standing_of(self, d: date) -> DayStanding:
        """The standing of any day: its own entry, else the ordinary week's rule.

        A day off or a worked weekend with no entry (a calendar recorded before
        standings existed) is reported provisional: nobody wrote down why.
        """
        _require_plain_date(d)
        known = self._standing_by_day.get(d)
        if known is not None:
            return known
        ordinary = d.weekday() < 5
        if self.is_working_day(d) == ordinary:
            return DayStanding(date=d, standing=Standing.OFFICIAL, source=ORDINARY_WEEK)
        return DayStanding(date=d, standing=Standing.PROVISIONAL, source=UNRECORDED)

    def provisional_days(self, first: date, last: date) -> tuple[DayStanding, ...]:
        """The provisional days from ``first`` to ``last`` (both included), in order.

        Any count of working days across this range depends on each of them, which is
        why a plan or a deadline spanning the range "rests on" them. A provisional day
        off that is a weekend anyway (mùng 1 Tết on a Saturday) changes no count and is
        left out.
        """
        return tuple(
            s
            for s in map(self.standing_of, _days(first, last))
            if s.is_provisional and self.is_working_day(s.date) != (s.date.weekday() < 5)
        )

    def differing_days(self, other: WorkingCalendar, first: date, last: date) -> tuple[date, ...]:
        """Days from ``first`` to ``last`` that one calendar works and the other does not."""
        return tuple(
            d for d in _days(first, last) if self.is_working_day(d) != other.is_working_day(d)
        )

    def previous_working_day(self, d: date, *, include_today: bool = True) -> date:
        """The last working day up to ``d`` (or before it, if not ``include_today``)."""
        _require_plain_date(d)
        day = d if include_today else d - timedelta(days=1)
        for _ in range(_SEARCH_LIMIT_DAYS):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        raise ValueError(f"không tìm thấy ngày làm việc nào trước ngày {d:%d/%m/%Y}")

    def next_working_day(self, d: date, *, include_today: bool = True) -> date:
        """The first working day from ``d`` (or from the day after, if not ``include_today``)."""
        _require_plain_date(d)
        day = d if include_today else d + timedelta(days=1)
        for _ in range(_SEARCH_LIMIT_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"không tìm thấy ngày làm việc nào sau ngày {d:%d/%m/%Y}")

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it when ``n`` is negative).

        ``d`` itself never counts, as in "trong 15 ngày làm việc" where counting starts
        the day after the notice, and as in "5 working days before the deadline".
        """
        _require_plain_date(d)
        if n == 0:
            return d
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        day = d
        idle = 0
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
                idle = 0
            else:
                idle += 1
                if idle > _SEARCH_LIMIT_DAYS:
                    raise ValueError(f"không tìm thấy đủ {abs(n)} ngày làm việc từ {d:%d/%m/%Y}")
        return day

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` if it is a working moment, else when the next working period starts.

        Mail timed for 03:00 or for a Saturday waits for the office to open, so it is
        read, not buried under the morning's mail.
        """
        if self.is_working_moment(at):
            return at
        local = self._local(at)
        today = local.date()
        if self.is_working_day(today) and local.time() < self.day_start:
            return self.at(today, self.day_start)
        return self.at(self.next_working_day(today, include_today=False), self.day_start)

    def at(self, d: date, t: time) -> datetime:
        """The aware instant of wall-clock time ``t`` on day ``d`` in this calendar's zone."""
        _require_plain_date(d)
        if t.tzinfo is not None:
            raise ValueError("giờ phải là giờ địa phương, không kèm múi giờ")
        return datetime.combine(d, t, tzinfo=self.zone())

    def end_of_day(self, d: date) -> datetime:
        """Close of business on ``d``: the instant a deadline "on d" expires."""
        return self.at(d, self.day_end)

    def _local(self, at: datetime) -> datetime:
        # A naive datetime is ambiguous (server time? UTC? Vietnam?); refusing it keeps a
        # wrong guess from silently shifting every timer by seven hours.
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("thời điểm phải kèm múi giờ (datetime có tzinfo)")
        return at.astimezone(self.zone())


def _days(first: date, last: date) -> Iterator[date]:
    _require_plain_date(first)
    _require_plain_date(last)
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _require_plain_date(d: date) -> None:
    # datetime is a subclass of date but hashes differently, so it would never be found
    # in days_off; failing loudly beats quietly treating every holiday as a working day.
    if isinstance(d, datetime):
        raise TypeError("expected a date, got a datetime; pass .date() of the local time")
