"""Holidays on the time-skipping server, and policies frozen into running tasks.

The test server's clock starts at the real "now", so the holiday windows are found in
the deployment's calendar relative to it: the next one ahead (24/11/2026 Ngày Văn hóa
Việt Nam when the suite runs on 23/11/2026) and the next Tết (4–10/2/2027, after a jump
of the clock of a few weeks). Send times are read from the recorded events, whose time
is the workflow's clock; the mail's Date header is the activity's wall clock, which the
time-skipping server does not move.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from temporalio.testing import WorkflowEnvironment

from dondoc.deployment import policies
from dondoc.domain.calendar import WorkingCalendar
from dondoc.settings import Settings
from dondoc.store.tables import EventRow
from support.followup import (
    at8,
    before,
    calendar,
    events,
    issue,
    local_now,
    notice,
    outbox,
    recorded,
    rounded,
    settle,
    skip_to,
    start_on_a_working_morning,
    task,
    time_skipping_env,
    timeline,
    view,
    worker,
)
from support.mailbox import Mailbox

FOLLOW_UPS = {"nudged", "reminded", "overdue", "escalated"}


@pytest_asyncio.fixture
async def tenv() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_env() as env:
        yield env


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"task_queue": f"holidays-{uuid.uuid4()}"})


def holiday_windows(cal: WorkingCalendar, start: date, days: int) -> list[tuple[date, date]]:
    """Runs of days off that hold at least one weekday off (a holiday, not a weekend)."""
    windows: list[tuple[date, date]] = []
    day, end = start, start + timedelta(days=days)
    while day < end:
        if cal.is_working_day(day):
            day += timedelta(days=1)
            continue
        first = day
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        last = day - timedelta(days=1)
        if any(
            d.weekday() < 5
            for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
        ):
            windows.append((first, last))
    return windows


def window_ahead(cal: WorkingCalendar, today: date, which: str) -> tuple[date, date]:
    windows = [w for w in holiday_windows(cal, today + timedelta(days=1), 500) if w[0] > today]
    if which == "next":
        return windows[0]
    # Tết: the only break of six days or more in the public-service calendar.
    return next(w for w in windows if (w[1] - w[0]).days >= 5)


def in_window(moment: datetime, window: tuple[date, date], cal: WorkingCalendar) -> bool:
    return window[0] <= moment.astimezone(cal.zone()).date() <= window[1]


@pytest.mark.parametrize("which", ["next", "tet"])
async def test_no_follow_up_mail_goes_out_during_a_holiday(
    tenv: WorkflowEnvironment, settings: Settings, mailbox: Mailbox, which: str
) -> None:
    cal = calendar(settings, datetime.now().date())
    now = await local_now(tenv, cal)
    window = window_ahead(cal, now.date(), which)
    first, last = window
    eve = cal.add_working_days(first, -1)  # the last working day before the break
    back = cal.next_working_day(last)  # the first working day after it
    assert (back - eve).days >= 2
    # Two notices: one with the default ladder issued three working days before the
    # break, one with the hour-based "urgent" ladder issued on its eve, at 15:30.
    t0 = max(now, cal.at(cal.add_working_days(eve, -3), time(10)))
    t1 = max(now, cal.at(eve, time(15, 30)))
    assert t1 < cal.at(first, time(0))
    await skip_to(tenv, t0)
    async with worker(tenv.client, settings):
        [(slow, _)] = await issue(notice(t0.date(), task(before(back))), settings, tenv.client)
        await recorded(settings, slow.id, 1)
        await skip_to(tenv, t1)
        [(fast, fast_handle)] = await issue(
            notice(t1.date(), task(before(back), policy="urgent"), number="246/TB-UBND"),
            settings,
            tenv.client,
        )
        await recorded(settings, fast.id, 1)
        planned = await view(fast_handle)
        await skip_to(tenv, at8(cal, cal.add_working_days(back, 11)))
        await settle(settings, [slow.id, fast.id])

    rows: list[EventRow] = events(settings, slow.id) + events(settings, fast.id)
    followups = [e for e in rows if e.kind in FOLLOW_UPS]
    assert len(followups) >= 12
    for e in rows:
        assert not in_window(e.at, window, cal), (e.kind, e.at)
    for e in followups:
        assert cal.is_working_moment(e.at), (e.kind, e.data.get("step"), e.at)
    assert len(mailbox.messages) == len(outbox(settings, slow.id)) + len(outbox(settings, fast.id))

    # The default ladder, counted in working days over the break.
    deadline_steps = [
        ("reminder_5", at8(cal, cal.add_working_days(back, -5))),
        ("reminder_1", at8(cal, eve)),  # the eve, not the last day of the break
        ("overdue", at8(cal, cal.add_working_days(back, 1))),
        ("escalation_office", at8(cal, cal.add_working_days(back, 1))),
        ("escalation_leader", at8(cal, cal.add_working_days(back, 5))),
        ("overdue_repeat", at8(cal, cal.add_working_days(back, 10))),
    ]
    expected = [
        ("nudge", at8(cal, cal.add_working_days(t0.date(), 2))),
        *((step, at) for step, at in deadline_steps if at >= t0),
    ]
    expected.sort(key=lambda s: s[1])
    slow_rows = [e for e in events(settings, slow.id) if e.kind in FOLLOW_UPS]
    assert [(e.data["step"], rounded(e.at)) for e in slow_rows] == expected

    # Two hours after 15:30 on the eve is after office hours: the nudge waits for the
    # first morning after the break instead of landing on the holiday.
    nudge = next(e for e in events(settings, fast.id) if e.kind == "nudged")
    if t1 == cal.at(eve, time(15, 30)):
        assert rounded(nudge.at) == at8(cal, back)
        assert planned.plan[0].step == "nudge" and planned.plan[0].at == at8(cal, back)
    else:
        assert rounded(nudge.at) == rounded(cal.next_working_moment(t1 + timedelta(hours=2)))
    overdue = next(e for e in events(settings, fast.id) if e.kind == "overdue")
    assert rounded(overdue.at) == at8(cal, cal.add_working_days(back, 1))


# ---------------------------------------------------------------- policies are frozen


def edited_policy_file(tmp_path: Path) -> Path:
    """The shipped policy book with the default's nudge after 1 working day, not 2."""
    book = {
        "policies": {name: p.model_dump(mode="json") for name, p in policies(Settings()).items()}
    }
    for step in book["policies"]["default"]["steps"]:
        if step["name"] == "nudge":
            step["offset"] = "1 working_days"
        if step["name"] == "reminder_5":
            step["name"], step["offset"] = "reminder_3", "-3 working_days"
    for body in book["policies"].values():
        del body["name"]
    path = tmp_path / "policies-edited.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), "utf-8")
    return path


async def test_editing_the_policy_file_does_not_change_a_running_task(
    tenv: WorkflowEnvironment, settings: Settings, mailbox: Mailbox, tmp_path: Path
) -> None:
    cal = calendar(settings, datetime.now().date())
    issued = await start_on_a_working_morning(tenv, cal)
    deadline = cal.add_working_days(issued.date(), 8)
    edited = settings.model_copy(update={"policy_file": edited_policy_file(tmp_path)})
    assert [s.name for s in policies(edited)["default"].steps][1] == "reminder_3"

    async with worker(tenv.client, settings):
        [(old, old_handle)] = await issue(
            notice(issued.date(), task(before(deadline))), settings, tenv.client
        )
        # The file changes; the next notice is issued under the new book.
        [(new, new_handle)] = await issue(
            notice(issued.date(), task(before(deadline)), number="246/TB-UBND"),
            edited,
            tenv.client,
        )
        old_plan = [(p.step, p.at) for p in (await view(old_handle)).plan[:2]]
        new_plan = [(p.step, p.at) for p in (await view(new_handle)).plan[:2]]
        await skip_to(tenv, at8(cal, cal.add_working_days(deadline, -3)) + timedelta(hours=1))
        await settle(settings, [old.id, new.id])

    assert old_plan == [
        ("nudge", at8(cal, cal.add_working_days(issued.date(), 2))),
        ("reminder_5", at8(cal, cal.add_working_days(deadline, -5))),
    ]
    assert new_plan == [
        ("nudge", at8(cal, cal.add_working_days(issued.date(), 1))),
        ("reminder_3", at8(cal, cal.add_working_days(deadline, -3))),
    ]
    assert timeline(events(settings, old.id))[1:] == [
        ("nudged", at8(cal, cal.add_working_days(issued.date(), 2))),
        ("reminded", at8(cal, cal.add_working_days(deadline, -5))),
    ]
    assert timeline(events(settings, new.id))[1:] == [
        ("nudged", at8(cal, cal.add_working_days(issued.date(), 1))),
        ("reminded", at8(cal, cal.add_working_days(deadline, -3))),
    ]
    assert len(mailbox.messages) == 3 + 3 + 2 + 2
