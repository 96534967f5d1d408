"""What the task's Query answers and the pages show: the state, its class and the plan."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from dondoc.domain.mail import MailKind
from dondoc.domain.task import Action, StatusClass, TaskSpec, TaskStatus


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
