"""What the counters count: each kept action once by the workflow's first answer (a
deferred one again when the relay delivers it, a repeat of its key not at all), and each
mail copy by the relay's answer. A real worker on the session's Temporal dev server and a
real SMTP server; the counters read through prometheus-client's registry."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from prometheus_client import REGISTRY
from temporalio.client import Client

from dondoc.commands.actions import Applied, Deferred, perform
from dondoc.commands.issue import check_notice, issue_notice
from dondoc.commands.relay import ActionRelay
from dondoc.domain import requests as rq
from dondoc.domain.task import Action
from dondoc.settings import Settings
from dondoc.worker import build_worker
from support.console import DownClient, FixedClient
from support.mailbox import Mailbox


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_actions_and_mails_are_counted_by_outcome(
    settings: Settings, mailbox: Mailbox, ops_temporal: Client
) -> None:
    settings = settings.model_copy(update={"task_queue": f"counted-{uuid.uuid4()}"})
    today = date.today()
    notice = check_notice(
        {
            "number": f"{uuid.uuid4().int % 900000 + 1000}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận về công tác chuyển đổi số",
            "tasks": [
                {
                    "owner": "SNGV",
                    "coordinators": ["STC"],
                    "work": "Xây dựng kế hoạch chuyển đổi số của Sở",
                    "deadline": (today + timedelta(days=300)).isoformat(),
                }
            ],
        },
        settings,
    )
    task_id = notice.tasks[0].id
    mailbox.refuse("sotaichinh@ubnd.test")
    sent, bounced = (
        _count("dondoc_mails_total", outcome="sent"),
        _count("dondoc_mails_total", outcome="bounced"),
    )
    ack = {"action": "acknowledge"}
    before = {
        o: _count("dondoc_link_actions_total", **ack, outcome=o) for o in ("applied", "deferred")
    }

    async with build_worker(ops_temporal, settings):
        await issue_notice(notice, settings, ops_temporal)
        # The owner's copy, and the office's notice of the coordinator's bounce.
        await mailbox.arrived(2)
        request = rq.request_from(Action.ACKNOWLEDGE, "agency:SNGV", {})
        key = f"ops-{uuid.uuid4()}"

        first = await perform(settings, DownClient(), task_id, Action.ACKNOWLEDGE, request, key)
        assert isinstance(first.outcome, Deferred)
        assert await ActionRelay(settings, FixedClient(ops_temporal), every=0).flush() == 1
        again = await perform(
            settings, FixedClient(ops_temporal), task_id, Action.ACKNOWLEDGE, request, key
        )
        assert isinstance(again.outcome, Applied) and again.repeated

    assert _count("dondoc_mails_total", outcome="sent") == sent + 2
    assert _count("dondoc_mails_total", outcome="bounced") == bounced + 1
    assert _count("dondoc_link_actions_total", **ack, outcome="deferred") == before["deferred"] + 1
    assert _count("dondoc_link_actions_total", **ack, outcome="applied") == before["applied"] + 1
