"""Why an action was refused, as a code for programs and words for the person who tried.

The workflow's Update validators raise these (as ``ApplicationError`` of type
``Refused``, the code in its details); the command layer reads the code, so no edge ever
has to recognise a refusal by searching its Vietnamese text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefusalCode(StrEnum):
    NOT_ALLOWED_NOW = "not_allowed_now"
    """The task's state does not allow the action."""
    ALREADY_DONE = "already_done"
    """The state shows the action (or what it asks for) has happened already: a repeat."""
    NOT_OWNER = "not_owner"
    OFFICE_ONLY = "office_only"
    NO_PENDING_EXTENSION = "no_pending_extension"
    PAST_DEADLINE = "past_deadline"
    BAD_DEADLINE = "bad_deadline"
    DEADLINE_NOT_LATER = "deadline_not_later"
    SAME_OWNER = "same_owner"
    NOTHING_TO_RESEND = "nothing_to_resend"
    BAD_INPUT = "bad_input"
    """What the request carries breaks a rule for new input (checked again in the workflow)."""
    TASK_ENDED = "task_ended"
    """The workflow no longer exists (it ended and its retention passed)."""
    KEY_REUSED = "key_reused"
    """An action key (form nonce, idempotency key) already used for another action."""


REFUSAL_TYPE = "Refused"
"""The ``ApplicationError`` type the workflow raises for a refusal."""


@dataclass(frozen=True, slots=True)
class Refusal:
    code: RefusalCode
    message: str

    @property
    def is_repeat(self) -> bool:
        """What the person asked for is already the case (a second click, a late retry)."""
        return self.code == RefusalCode.ALREADY_DONE
