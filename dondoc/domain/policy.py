"""The follow-up policy as data: the ladder of reminders and escalations, and the routing
of the mail each action causes.

A policy is copied into each task's workflow input when the task starts (Grafana OnCall's
escalation snapshot), so editing the policy file never changes a running task. What is
due next under a policy is the pure rule of ``domain/ladder.py``.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dondoc.domain.deadlines import NamedDayOff
from dondoc.domain.mail import MailKind
from dondoc.domain.notify import ROUTES_BEFORE_DATA, Role, Routes
from dondoc.domain.task import TaskState


class Anchor(StrEnum):
    ASSIGNED = "assigned"
    DEADLINE = "deadline"
    REPORTED = "reported"
    PERIOD_END = "period_end"


class Condition(StrEnum):
    ALWAYS = "always"
    NO_REPORT_THIS_PERIOD = "no_report_this_period"


_OFFSET = re.compile(r"^\s*([+-]?\d+)\s*(working_days?|days?|hours?|minutes?)?\s*$")


class Offset(BaseModel):
    """A signed distance from an anchor: working days, days, hours or minutes."""

    model_config = ConfigDict(frozen=True)

    amount: int = 0
    unit: Literal["working_days", "days", "hours", "minutes"] = "working_days"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, int):
            return {"amount": value, "unit": "working_days"}
        if isinstance(value, str):
            match = _OFFSET.match(value)
            if not match:
                raise ValueError(
                    f"khoảng thời gian «{value}» không hợp lệ (ví dụ: -5 working_days, 2 hours)"
                )
            unit = match.group(2) or "working_days"
            return {
                "amount": int(match.group(1)),
                "unit": unit if unit.endswith("s") else unit + "s",
            }
        return value

    @property
    def is_clock(self) -> bool:
        return self.unit in ("hours", "minutes")

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.unit}"


class Step(BaseModel):
    """One rung of the ladder: what mail, to whom, when relative to what, in which states."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    mail: MailKind
    anchor: Anchor
    offset: Offset = Offset()
    to: tuple[Role, ...]
    cc: tuple[Role, ...] = ()
    states: tuple[TaskState, ...] = (TaskState.ASSIGNED, TaskState.ACKNOWLEDGED)
    repeat_every: Offset | None = None
    hour: time | None = None
    escalation_step: int | None = None
    condition: Condition = Condition.ALWAYS

    @field_validator("repeat_every")
    @classmethod
    def _positive(cls, value: Offset | None) -> Offset | None:
        if value is not None and value.amount <= 0:
            raise ValueError("chu kỳ lặp phải lớn hơn 0")
        return value


class Policy(BaseModel):
    """A named follow-up policy, frozen into the task when it starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    send_at: time = time(8, 0)
    working_hours_only: bool = True
    confirm_completion: bool = True
    # A date the notice names that falls on a day off: due on the last working day before
    # it (the default), or on the named day itself ("keep"). Never after it.
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY
    steps: tuple[Step, ...]
    notify: Routes = Field(default_factory=lambda: dict(ROUTES_BEFORE_DATA))
    """The mail each recorded event sends (``notify:`` of the policy file)."""

    @field_validator("named_day_off")
    @classmethod
    def _a_rule_of_this_release(cls, value: NamedDayOff) -> NamedDayOff:
        if value == NamedDayOff.NEXT_WORKING_DAY:
            raise ValueError("named_day_off chỉ nhận previous_working_day hoặc keep")
        return value

    @model_validator(mode="after")
    def _unique_steps(self) -> Policy:
        names = [s.name for s in self.steps]
        if len(names) != len(set(names)):
            raise ValueError("tên các bước trong một chính sách phải khác nhau")
        return self


class PolicyBook(BaseModel):
    """The deployment's policy file: ``notify: {...}`` shared by every policy, and
    ``policies: {name: {...}}``, each of which may override some of the routing."""

    model_config = ConfigDict(extra="forbid")

    notify: Routes | None = None
    policies: dict[str, Policy]

    @model_validator(mode="before")
    @classmethod
    def _names_from_keys(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("policies"), dict):
            shared = value.get("notify") or {}
            value = {
                **value,
                "policies": {
                    name: _with_routes({"name": name, **(body or {})}, shared)
                    for name, body in value["policies"].items()
                },
            }
        return value


def _with_routes(body: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """A policy's own ``notify`` entries win over the file's shared ones."""
    own = body.get("notify") or {}
    if not shared and not own:
        return body
    if not isinstance(own, dict):
        return body  # let the model say what is wrong with it
    return {**body, "notify": {**shared, **own}}


class Occurrence(BaseModel):
    """A step due at a moment: what ``next_occurrence`` answers and the plan lists."""

    model_config = ConfigDict(frozen=True)

    step: str
    mail: MailKind
    at: datetime
    key: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    escalation_step: int | None = None


class FollowUpState(BaseModel):
    """What the ladder has done so far: the last moment each (step, anchor) fired."""

    fired: dict[str, datetime] = {}
    deadline_set_at: datetime | None = None
    last_progress_at: datetime | None = None
    # When the current owner was given the task, if it was reassigned; steps anchored at
    # the assignment (the nudge) count from here, so the new owner gets its own nudge.
    owner_since: datetime | None = None
