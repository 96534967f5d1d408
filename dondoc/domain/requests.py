"""What people ask of a task: the inputs of the workflow's Updates, validated at the edge.

``REQUESTS`` is the one table from an action to its input; ``request_from`` builds any of
them from the fields of a form or a JSON body, for the link pages, the console and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.mail import MailKind
from dondoc.domain.task import FROM_A_PERSON, Action, CompletionReport, Official


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")

    actor: str = Field(min_length=1, max_length=200)
    """Who acts: ``agency:CODE`` from a mailed link, ``user:NAME`` from the console, ``api:NAME``."""


class Acknowledge(Request):
    note: str = Field(default="", max_length=2000)


class Complete(Request):
    report: CompletionReport


class ReportProgress(Request):
    note: str = Field(min_length=1, max_length=4000)
    percent: int | None = Field(default=None, ge=0, le=100)
    """The agency's estimate of how far along the work is, if it gives one."""
    milestone: str = Field(default="", max_length=300)

    @field_validator("percent", mode="before")
    @classmethod
    def _blank_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v


class NameOfficial(Request):
    """The owner agency names (or changes) its official answerable for the task."""

    official: Official


class RequestExtension(Request):
    new_deadline: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class DecideExtension(Request):
    approve: bool
    note: str = Field(default="", max_length=2000)


class ProposeReassignment(Request):
    reason: str = Field(min_length=1, max_length=2000)


class Reassign(Request):
    owner: str = Field(min_length=1, max_length=64)
    note: str = Field(min_length=1, max_length=2000)

    @field_validator("owner")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


class Confirm(Request):
    note: str = Field(default="", max_length=2000)


class ReturnReport(Request):
    reason: str = Field(min_length=1, max_length=2000)


class Cancel(Request):
    reason: str = Field(min_length=1, max_length=2000)


class Reopen(Request):
    reason: str = Field(min_length=1, max_length=2000)


class Resend(Request):
    """Send one of the task's mails again, at the office's request ("we never got it").

    The command layer reads the original mail (kind, recipients, note) from the audit
    trail; the workflow records the resend and sends a new copy in the task's thread.
    """

    reason: str = Field(min_length=1, max_length=2000)
    mail: MailKind
    to: tuple[str, ...] = Field(min_length=1)
    cc: tuple[str, ...] = ()
    note: str = Field(default="", max_length=4000)
    names: str = Field(default="", max_length=4000)
    """The recipients as people read them, for the timeline."""
    resent_from: str = Field(min_length=1, max_length=200)
    """The event whose mail this copies."""


class ReplaceCalendar(Request):
    """The deployment's working calendar changed (``dondoc calendar load``): the task
    re-plans its reminders at once, and a deadline the change would move waits for the
    office."""

    calendar: WorkingCalendar
    source: str = Field(default="", max_length=300)
    """What changed, in words for the timeline (e.g. the document that fixed Tết 2027)."""


class DecideDeadlineMove(Request):
    approve: bool
    note: str = Field(default="", max_length=2000)


REQUESTS: dict[Action, type[Request]] = {
    Action.ACKNOWLEDGE: Acknowledge,
    Action.COMPLETE: Complete,
    Action.REPORT_PROGRESS: ReportProgress,
    Action.REQUEST_EXTENSION: RequestExtension,
    Action.DECIDE_EXTENSION: DecideExtension,
    Action.PROPOSE_REASSIGNMENT: ProposeReassignment,
    Action.REASSIGN: Reassign,
    Action.CONFIRM: Confirm,
    Action.RETURN_REPORT: ReturnReport,
    Action.CANCEL: Cancel,
    Action.REOPEN: Reopen,
    Action.RESEND: Resend,
    Action.NAME_OFFICIAL: NameOfficial,
    Action.REPLACE_CALENDAR: ReplaceCalendar,
    Action.DECIDE_DEADLINE_MOVE: DecideDeadlineMove,
}


_FLAT = {
    "report": ("summary", "document_number", "link"),
    "official": ("name", "position", "email", "phone"),
}
"""Nested inputs a form sends as flat fields."""


def request_from(action: Action, actor: str, fields: Mapping[str, Any]) -> Request:
    """The Update's input from a form's or a JSON body's fields; pydantic's
    ValidationError names what is missing or wrong.

    A form sends a completion report or an official as flat fields (``summary``,
    ``document_number``, ``link``; ``name``, ``email``, ...); a text field the form left out counts as empty, so the message is the same
    whether the browser sent it blank or not at all. Other fields (tokens) are ignored.
    """
    model = REQUESTS[action]
    values: dict[str, Any] = {"actor": actor}
    for name, info in model.model_fields.items():
        if name == "actor":
            continue
        if name in _FLAT and name not in fields:
            values[name] = {part: fields.get(part, "") for part in _FLAT[name]}
        elif name in fields:
            values[name] = fields[name]
        elif info.annotation is str:
            values[name] = ""
    return model.model_validate(values, context=FROM_A_PERSON)


def agency_of(actor: str) -> str | None:
    """The agency code of an ``agency:CODE`` actor, None for office staff and integrations."""
    kind, _, code = actor.partition(":")
    return code.upper() if kind == "agency" and code else None
