"""The one template environment of the web: the agency pages, the console, the error pages.

Filters and labels are registered once here, in the words the mail and the CLI use.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files

from fastapi.templating import Jinja2Templates

from dondoc.domain.calendar import STANDING_LABELS
from dondoc.domain.events import EVENT_LABELS
from dondoc.domain.formatting import (
    deadline_notes,
    format_date,
    format_deadline,
    format_moment,
    local,
)
from dondoc.domain.mail import SUBJECT_ACTIONS
from dondoc.domain.task import (
    ACTION_LABELS,
    STATE_LABELS,
    STATUS_CLASS_LABELS,
    StatusClass,
    TaskState,
)
from dondoc.store.users import ROLE_LABELS


def _short_day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value:%d/%m/%Y}"


def _number(value: float | int | None, digits: int = 0) -> str:
    """Vietnamese digits: 12.345 and 3,5."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{_number(value * 100, 1)}%"


def _clock(value: datetime | None) -> str:
    return "" if value is None else f"{local(value):%H:%M %d/%m/%Y}"


templates = Jinja2Templates(directory=str(files("dondoc.web") / "templates"))
templates.env.filters.update(
    deadline=format_deadline,
    deadline_notes=deadline_notes,
    moment=format_moment,
    day=format_date,
    short_day=_short_day,
    number=_number,
    percent=_percent,
    clock=_clock,
)
templates.env.globals.update(
    STATE_LABELS=STATE_LABELS,
    STATUS_CLASS_LABELS=STATUS_CLASS_LABELS,
    ACTION_LABELS=ACTION_LABELS,
    EVENT_LABELS=EVENT_LABELS,
    MAIL_LABELS=SUBJECT_ACTIONS,
    ROLE_LABELS=ROLE_LABELS,
    STANDING_LABELS=STANDING_LABELS,
    TaskState=TaskState,
    StatusClass=StatusClass,
)
