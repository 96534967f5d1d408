"""The search attributes a task's workflow keeps up to date: the one list of them.

The workflow upserts them; ``dondoc dev`` and the benches register them on a server
(``registration``); an operator registers the same names on a real cluster
(docs/operations.md).
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

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
