"""One activity per recorded event: the audit row and read model, then the event's mail.

Recording and mailing are each idempotent (the event id is a primary key; each copy's
outbox key is sent once), so doing both in one activity loses nothing on a retry and
saves a round trip through the Temporal server per event: on a morning of 200 agencies
that is most of the server's work. Workflows started before this activity existed keep
calling ``record_event`` and ``send_mail`` (see ``TaskWorkflow._drain``).
"""

from __future__ import annotations

from temporalio import activity

from dondoc.activities.heartbeat import heartbeating
from dondoc.activities.mailing import MailActivities
from dondoc.activities.recording import RecordingActivities
from dondoc.domain.events import EventEffects
from dondoc.domain.mail import MailOutcome


class EffectActivities:
    def __init__(self, recording: RecordingActivities, mailing: MailActivities) -> None:
        self._recording = recording
        self._mailing = mailing

    @activity.defn(name="record_and_mail")
    async def record_and_mail(self, effects: EventEffects) -> list[list[MailOutcome]]:
        """Record the event, then send each of its mails; each mail's outcomes, in order."""
        async with heartbeating():
            await self._recording.record(effects.event)
            return [await self._mailing.deliver_order(order) for order in effects.mails]
