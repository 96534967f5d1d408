"""The search attributes a task's workflow keeps up to date: the one list of them.

The workflow upserts them; ``dondoc dev`` and the benches register them on a server
(``registration``); an operator registers the same names on a real cluster
(docs/operations.md).
"""

from __future__ import annotations

from datetime import datetime

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from dondoc.domain.task import TaskSpec, TaskStatus

OWNER = SearchAttributeKey.for_keyword("DondocOwner")
LEADER = SearchAttributeKey.for_keyword("DondocLeader")
NOTICE = SearchAttributeKey.for_keyword("DondocNotice")
STATE = SearchAttributeKey.for_keyword("DondocState")
STATUS_CLASS = SearchAttributeKey.for_keyword("DondocStatusClass")
DEADLINE = SearchAttributeKey.for_datetime("DondocDeadline")

ALL: tuple[SearchAttributeKey, ...] = (  # type: ignore[type-arg]
    OWNER,
    LEADER,
    NOTICE,
    STATE,
    STATUS_CLASS,
    DEADLINE,
)


def registration() -> dict[str, str]:
    """Name → type as the Temporal CLI spells it (``Keyword``, ``Datetime``)."""
    return {key.name: key.indexed_value_type.name.title().replace("_", "") for key in ALL}


def updates(spec: TaskSpec, status: TaskStatus, now: datetime) -> list[SearchAttributeUpdate]:  # type: ignore[type-arg]
    """What a task is found by, as it stands at ``now``: every key, set or unset."""
    deadline = status.deadline.due
    return [
        OWNER.value_set(status.owner),
        LEADER.value_set(spec.leader),
        NOTICE.value_set(spec.notice_number),
        STATE.value_set(status.state.value),
        STATUS_CLASS.value_set(status.status_class(now).value),
        DEADLINE.value_set(deadline) if deadline else DEADLINE.value_unset(),
    ]


def at_start(spec: TaskSpec, status: TaskStatus, now: datetime) -> TypedSearchAttributes:
    """The same, for the start request: a task is found in the console's Temporal lists
    from its start, and its workflow then upserts only what changed since."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(u.key, u.value)
            for u in updates(spec, status, now)
            if u.value is not None
        ]
    )
