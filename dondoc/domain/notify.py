"""Who is told what: the roles mail goes to, and the mail each recorded event sends.

The routing is data (``notify:`` in ``data/policies.yaml``), frozen into each task with
its policy, beside the ladder of reminders: which mail an acknowledgement, a report, an
extension or a reassignment causes, and to whom, is a setting of the deployment.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from dondoc.domain.directory import OFFICE_CODE
from dondoc.domain.events import EventKind
from dondoc.domain.mail import MailKind
from dondoc.domain.task import TaskSpec, TaskStatus, coordinators


class Role(StrEnum):
    OWNER = "owner"
    COORDINATORS = "coordinators"
    OFFICE = "office"
    LEADER = "leader"
    FORMER_OWNER = "former_owner"
    """The agency a reassignment took the task from."""


class Route(BaseModel):
    """One mail an event sends: its kind, to whom, in copy to whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mail: MailKind
    to: tuple[Role, ...]
    cc: tuple[Role, ...] = ()


Routes = dict[EventKind, tuple[Route, ...]]


def _r(mail: MailKind, to: tuple[Role, ...], cc: tuple[Role, ...] = ()) -> tuple[Route, ...]:
    return (Route(mail=mail, to=to, cc=cc),)


ROUTES_BEFORE_DATA: Routes = {
    EventKind.ASSIGNED: _r(MailKind.ASSIGNED, (Role.OWNER,), (Role.COORDINATORS,)),
    EventKind.COMPLETION_REPORTED: _r(MailKind.AWAITING_CONFIRMATION, (Role.OFFICE,)),
    EventKind.COMPLETED: _r(MailKind.COMPLETED, (Role.OFFICE,), (Role.OWNER,)),
    EventKind.PROGRESS_REPORTED: _r(MailKind.PROGRESS_REPORTED, (Role.OFFICE,)),
    EventKind.EXTENSION_REQUESTED: _r(MailKind.EXTENSION_REQUESTED, (Role.OFFICE,)),
    EventKind.REASSIGNMENT_PROPOSED: _r(MailKind.REASSIGNMENT_PROPOSED, (Role.OFFICE,)),
    EventKind.EXTENSION_APPROVED: _r(
        MailKind.EXTENSION_APPROVED, (Role.OWNER,), (Role.COORDINATORS,)
    ),
    EventKind.EXTENSION_REFUSED: _r(MailKind.EXTENSION_REFUSED, (Role.OWNER,)),
    EventKind.REASSIGNED: (
        Route(mail=MailKind.REASSIGNED_AWAY, to=(Role.FORMER_OWNER,)),
        Route(mail=MailKind.REASSIGNED, to=(Role.OWNER,), cc=(Role.COORDINATORS,)),
    ),
    EventKind.CONFIRMED: _r(MailKind.COMPLETED, (Role.OWNER,)),
    EventKind.REPORT_RETURNED: _r(MailKind.REPORT_RETURNED, (Role.OWNER,)),
    EventKind.CANCELLED: _r(MailKind.CANCELLED, (Role.OWNER,), (Role.COORDINATORS,)),
    EventKind.REOPENED: _r(MailKind.REOPENED, (Role.OWNER,), (Role.OFFICE,)),
    EventKind.MAIL_BOUNCED: _r(MailKind.BOUNCE, (Role.OFFICE,)),
}
"""How tasks started before the routing became data send their mail. Their frozen policy
carries no ``notify``, so this is what they get; it must never change (it is their
recorded behaviour). ``data/policies.yaml`` starts from the same table."""


ROUTES_ADDED_LATER: Routes = {
    EventKind.DEADLINE_MOVED: _r(MailKind.DEADLINE_MOVED, (Role.OWNER,), (Role.COORDINATORS,)),
}
"""Routes of events added since; a policy (frozen in a task, or the file's) that does not
name such an event routes it this way, so a task started earlier still tells the agency."""


def routes_for(notify: Routes, kind: EventKind) -> tuple[Route, ...]:
    """The mail ``kind`` sends under a policy's routing (``[]`` in the file sends none)."""
    if kind in notify:
        return notify[kind]
    return ROUTES_ADDED_LATER.get(kind, ())


def recipients(
    roles: tuple[Role, ...],
    spec: TaskSpec,
    status: TaskStatus,
    former_owner: str | None = None,
) -> tuple[str, ...]:
    codes: list[str] = []
    for role in roles:
        if role == Role.OWNER:
            codes.append(status.owner)
        elif role == Role.COORDINATORS:
            codes.extend(coordinators(spec, status))
        elif role == Role.OFFICE:
            codes.append(OFFICE_CODE)
        elif role == Role.LEADER:
            codes.append(spec.leader)
        elif role == Role.FORMER_OWNER and former_owner:
            codes.append(former_owner)
    return tuple(dict.fromkeys(codes))
