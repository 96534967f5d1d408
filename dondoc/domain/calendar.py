"""The working-day calendar, kept as plain data.

Every reminder, escalation and deadline must land on a working day, in working hours, in
Vietnam time. The calendar is copied into Temporal workflow inputs so that a workflow
computes the same instants on replay years later, whatever holiday library the worker has
installed by then; that is why it is a frozen pydantic model of dates, and why it never
imports ``holidays`` (see ``vietnam_calendar`` for how one is built).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_serializer, field_validator, model_validator

# A calendar in which no working day turns up within ten years is broken data, not a
# long holiday; searching stops there instead of looping forever.
_SEARCH_LIMIT_DAYS = 3660


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


def _require_plain_date(d: date) -> None:
    # datetime is a subclass of date but hashes differently, so it would never be found
    # in days_off; failing loudly beats quietly treating every holiday as a working day.
    if isinstance(d, datetime):
        raise TypeError("expected a date, got a datetime; pass .date() of the local time")
