"""The period report per agency, and the same table as .xlsx and CSV files.

Which tasks: those of the notices dated within the period (the date the leader concluded,
which is how the office counts "tasks assigned in the third quarter"), grouped by the
agency that owns each task now. Their class is judged at the time of the report, with the
same rule as the lists (an open task past its deadline is overdue).

- on-time rate: done on time ÷ (done on time + done late + overdue), i.e. among the tasks
  whose outcome is known or whose deadline has passed; empty when there are none;
- time to acknowledge: from assignment to the agency's acknowledgement;
- time to complete: from assignment to the agency's completion report (the moment that
  decides on time or late), for completed tasks;
- the officials the agency named for those tasks ("rõ người"), each once.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.domain.formatting import format_moment
from dondoc.domain.task import StatusClass, live_class
from dondoc.store.tables import AgencyRow, NoticeRow, TaskRow
from dondoc.store.task_search import fold


@dataclass
class AgencyLine:
    code: str
    name: str
    assigned: int = 0
    done_on_time: int = 0
    done_late: int = 0
    in_progress_on_time: int = 0
    overdue: int = 0
    cancelled: int = 0
    ack_times: list[float] = field(default_factory=list, repr=False)
    complete_times: list[float] = field(default_factory=list, repr=False)
    officials: list[str] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        judged = self.done_on_time + self.done_late + self.overdue
        return None if judged == 0 else self.done_on_time / judged

    @property
    def median_ack_days(self) -> float | None:
        return statistics.median(self.ack_times) if self.ack_times else None

    @property
    def median_complete_days(self) -> float | None:
        return statistics.median(self.complete_times) if self.complete_times else None

    def add(self, other: AgencyLine) -> None:
        for name in (
            "assigned",
            "done_on_time",
            "done_late",
            "in_progress_on_time",
            "overdue",
            "cancelled",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ack_times += other.ack_times
        self.complete_times += other.complete_times


@dataclass
class PeriodReport:
    start: date
    end: date
    generated_at: datetime
    leader: str | None
    lines: list[AgencyLine]
    total: AgencyLine


def _days(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 86400)


def period_report(
    session: Session, start: date, end: date, now: datetime, *, leader: str | None = None
) -> PeriodReport:
    query = (
        select(
            TaskRow.owner,
            TaskRow.state,
            TaskRow.status_class,
            TaskRow.deadline_at,
            TaskRow.assigned_at,
            TaskRow.acknowledged_at,
            TaskRow.reported_at,
            TaskRow.completed_at,
            # The official the owner named, read in SQL (json_extract / ->>) rather than by
            # loading every task's whole status into memory for a year's report.
            TaskRow.status["official"]["name"].as_string(),
            TaskRow.status["official"]["position"].as_string(),
            TaskRow.status["official"]["named_by"].as_string(),
        )
        .join(NoticeRow, NoticeRow.key == TaskRow.notice_key)
        .where(NoticeRow.date >= start, NoticeRow.date <= end)
    )
    if leader:
        query = query.where(TaskRow.leader == leader.upper())
    names = dict(session.execute(select(AgencyRow.code, AgencyRow.name)).all())
    lines: dict[str, AgencyLine] = {}
    for (
        owner,
        state,
        stored,
        due,
        assigned,
        acked,
        reported,
        completed,
        person,
        position,
        by,
    ) in session.execute(query):
        line = lines.setdefault(owner, AgencyLine(code=owner, name=names.get(owner, owner)))
        line.assigned += 1
        # Only the owner's own choice counts: one named before a reassignment was another's.
        named = f"{person} ({position})" if person and position else person
        if named and by == owner and named not in line.officials:
            line.officials.append(named)
        klass = live_class(state, stored, due, now)
        if klass == StatusClass.DONE_ON_TIME:
            line.done_on_time += 1
        elif klass == StatusClass.DONE_LATE:
            line.done_late += 1
        elif klass == StatusClass.IN_PROGRESS_OVERDUE:
            line.overdue += 1
        elif klass == StatusClass.CANCELLED:
            line.cancelled += 1
        else:
            line.in_progress_on_time += 1
        if assigned and acked:
            line.ack_times.append(_days(acked - assigned))
        finished = reported or completed
        if assigned and finished and klass in (StatusClass.DONE_ON_TIME, StatusClass.DONE_LATE):
            line.complete_times.append(_days(finished - assigned))
    # Alphabetical as a Vietnamese reader expects (Đ with D, accents after the letter).
    ordered = sorted(lines.values(), key=lambda a: (fold(a.name), a.name))
    total = AgencyLine(code="", name="Tổng cộng")
    for line in ordered:
        total.add(line)
    return PeriodReport(
        start=start, end=end, generated_at=now, leader=leader, lines=ordered, total=total
    )


# ------------------------------------------------------------------------------ files

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""


def inert(value: object) -> object:
    """A text cell a spreadsheet will show, never evaluate: agency names come from the
    directory (an upload, a form) and ``=HYPERLINK(...)`` must stay words. OWASP's rule,
    a leading single quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


HEADERS = [
    "Mã đơn vị",
    "Đơn vị chủ trì",
    "Số nhiệm vụ được giao",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện, trong hạn",
    "Đang thực hiện, quá hạn",
    "Đã hủy",
    "Tỷ lệ hoàn thành đúng hạn (%)",
    "Thời gian tiếp nhận, trung vị (ngày)",
    "Thời gian hoàn thành, trung vị (ngày)",
    "Cán bộ phụ trách",
]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def rows(report: PeriodReport) -> list[list[object]]:
    """The table as plain values: one row per agency, then the total."""
    out: list[list[object]] = []
    for line in [*report.lines, report.total]:
        rate = line.on_time_rate
        out.append(
            [
                line.code,
                line.name,
                line.assigned,
                line.done_on_time,
                line.done_late,
                line.in_progress_on_time,
                line.overdue,
                line.cancelled,
                None if rate is None else round(rate * 100, 1),
                _round(line.median_ack_days),
                _round(line.median_complete_days),
                "; ".join(line.officials),
            ]
        )
    return out


def title(report: PeriodReport) -> str:
    return (
        "Báo cáo tình hình thực hiện nhiệm vụ theo thông báo kết luận "
        f"từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y}"
    )


def file_name(report: PeriodReport, extension: str) -> str:
    return f"bao-cao-nhiem-vu-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{extension}"


def to_csv(report: PeriodReport) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Vietnamese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows(report):
        writer.writerow(["" if v is None else inert(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: PeriodReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Báo cáo"
    sheet.append([inert(title(report))])
    sheet["A1"].font = Font(bold=True, size=13)
    scope = f"Lãnh đạo chỉ đạo: {report.leader}. " if report.leader else ""
    sheet.append([inert(f"{scope}Số liệu tính đến {format_moment(report.generated_at)}.")])
    sheet.append([])
    sheet.append(HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="EEF2F7")
    for row in rows(report):
        # openpyxl itself stores any string starting with "=" as a formula.
        sheet.append([inert(v) for v in row])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    widths = [12, 38, 12, 12, 12, 12, 12, 10, 14, 14, 14, 40]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
