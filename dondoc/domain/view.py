"""What the task's Query answers and the pages show: the state, its class and the plan."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from dondoc.domain.mail import MailKind
from dondoc.domain.task import Action, StatusClass, TaskSpec, TaskState, TaskStatus


class PlannedStep(BaseModel):
    step: str
    mail: MailKind
    at: datetime
    to: list[str]
    cc: list[str]


class TaskView(BaseModel):
    spec: TaskSpec
    status: TaskStatus
    overdue: bool
    status_class: StatusClass
    allowed: list[Action]
    policy: str
    plan: list[PlannedStep] = []


# A task as every list shows it: the console, the API and the CLI read the same fields
# (``store/tasks.py`` fills them from the read model). No docstring: it would become the
# API's schema description, which people read in Vietnamese.
class TaskSummary(BaseModel):
    id: str
    notice_key: str
    notice_number: str
    position: int
    owner: str
    leader: str
    work: str
    deadline: datetime | None
    deadline_phrase: str
    state: TaskState
    status_class: StatusClass  # as of the moment the list was read (domain.task.live_class)
    escalation_step: int
    updated_at: datetime
