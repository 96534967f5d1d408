"""Agencies that ask for it get one morning summary per working day, never on days off."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dondoc.activities.digest import DigestActivities
from dondoc.commands.issue import check_notice, issue_notice
from dondoc.deployment import calendar_for
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.store.db import session_scope
from dondoc.store.tables import AgencyRow
from dondoc.worker import build_worker
from dondoc.worker.schedules import DIGEST_SCHEDULE_ID, ensure_digest_schedule
from dondoc.workflows.digest import DigestWorkflow


def opt_in(settings, code: str) -> None:
    with session_scope(settings.database_url) as session:
        row = session.get(AgencyRow, code)
        assert row is not None
        row.digest = True


async def issue(env: WorkflowEnvironment, settings, today: date) -> None:
    cal = calendar_for(settings, today)
    parsed = check_notice(
        {
            "number": f"{uuid.uuid4().int % 9000 + 100}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận kiểm thử thư tổng hợp",
            "tasks": [
                {
                    "owner": "SNGV",
                    "work": "Báo cáo tình hình đối ngoại quý",
                    "deadline": cal.add_working_days(today, 2).isoformat(),
                },
                {
                    "owner": "SNGV",
                    "work": "Xây dựng kế hoạch giao lưu biên giới",
                    "deadline": (today + timedelta(days=60)).isoformat(),
                },
                {
                    "owner": "STC",
                    "work": "Cân đối kinh phí",
                    "deadline": (today + timedelta(days=30)).isoformat(),
                },
            ],
        },
        settings,
    )
    await issue_notice(parsed, settings, env.client, search_attributes=False)


async def test_the_digest_lists_what_is_due_soon_and_goes_out_once_a_day(
    env, settings, mailbox
) -> None:
    settings = settings.model_copy(update={"task_queue": f"q-{uuid.uuid4()}"})
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    opt_in(settings, "SNGV")
    async with build_worker(env.client, settings):
        await issue(env, settings, today)
        await mailbox.arrived(3)
    cal = calendar_for(settings, today)
    day = cal.next_working_day(today)
    activities = DigestActivities(settings)
    assert await activities.send_digests(day) == 1
    assert await activities.send_digests(day) == 0  # the same morning twice is one mail
    digest = [m for m in mailbox.messages if m.kind == "digest"]
    assert len(digest) == 1
    assert digest[0].envelope_to == ["songoaivu@ubnd.test", "vanthu.sngv@ubnd.test"]
    text = digest[0].text()
    assert "SẮP ĐẾN HẠN" in text and "Báo cáo tình hình đối ngoại quý" in text
    assert text.index("Báo cáo tình hình đối ngoại quý") < text.index(
        "Xây dựng kế hoạch giao lưu biên giới"
    )
    assert "/t/agency/" in text
    assert "Cân đối kinh phí" not in text  # STC did not ask for a digest


async def test_no_digest_on_a_day_off(settings, mailbox) -> None:
    opt_in(settings, "SNGV")
    assert await DigestActivities(settings).send_digests(date(2027, 2, 8)) == 0  # Tết 2027


async def test_the_schedule_runs_the_digest_workflow(env, settings, mailbox) -> None:
    settings = settings.model_copy(update={"task_queue": f"q-{uuid.uuid4()}"})
    async with build_worker(env.client, settings):
        sent = await env.client.execute_workflow(
            DigestWorkflow.run, id=f"digest-{uuid.uuid4()}", task_queue=settings.task_queue
        )
    assert sent == 0  # nobody opted in


async def test_the_digest_schedule_is_created_once(dev_temporal: Client, settings) -> None:
    assert await ensure_digest_schedule(dev_temporal, settings)
    assert not await ensure_digest_schedule(dev_temporal, settings)
    described = await dev_temporal.get_schedule_handle(DIGEST_SCHEDULE_ID).describe()
    assert described.schedule.spec.time_zone_name == "Asia/Ho_Chi_Minh"
