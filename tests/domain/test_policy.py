"""The escalation policy as data and the pure rule that turns it into a follow-up schedule.

No Temporal here: ``next_occurrence`` / ``plan`` / ``fire`` are called directly, and the
workflow's loop ("what is due next? wait until then, send it, ask again") is imitated by
``run_ladder`` below. Dates are the real 2026 calendar of the deployment: Saturday
22/8/2026 is a make-up working day, 29/8–2/9/2026 are off for National Day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dondoc.deployment import calendar_for, policies
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import resolve_deadline
from dondoc.domain.directory import OFFICE_CODE
from dondoc.domain.ladder import fire, next_occurrence, plan
from dondoc.domain.mail import MailKind
from dondoc.domain.policy import FollowUpState, Occurrence, Offset, Policy, PolicyBook
from dondoc.domain.task import TaskSpec, TaskState, TaskStatus
from dondoc.settings import Settings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOTICE_DAY = date(2026, 8, 20)  # a Thursday
ASSIGNED = datetime(2026, 8, 20, 10, 0, tzinfo=VN)


def vn(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return calendar_for(Settings(), NOTICE_DAY)


@pytest.fixture(scope="module")
def book() -> dict[str, Policy]:
    return policies(Settings())


@pytest.fixture(scope="module")
def default(book: dict[str, Policy]) -> Policy:
    return book["default"]


def make_task(
    cal: WorkingCalendar,
    deadline: str = "trước ngày 15/9/2026",
    *,
    notice_day: date = NOTICE_DAY,
    assigned_at: datetime = ASSIGNED,
    state: TaskState = TaskState.ASSIGNED,
) -> tuple[TaskSpec, TaskStatus]:
    resolved = resolve_deadline(deadline, notice_day, cal)
    spec = TaskSpec(
        id="2026-245-TB-UBND-1",
        position=1,
        notice_key="2026-245-TB-UBND",
        notice_number="245/TB-UBND",
        notice_date=notice_day,
        notice_subject="Kết luận về Dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
        leader="PCT-VINH",
        owner="SNGV",
        coordinators=("STC", "SNNMT"),
        work="Tiếp thu ý kiến, hoàn thiện dự thảo Đề án",
        deadline=resolved,
    )
    status = TaskStatus(
        task_id=spec.id,
        owner="SNGV",
        state=state,
        deadline=resolved,
        original_deadline=resolved,
        assigned_at=assigned_at,
    )
    return spec, status


def run_ladder(
    policy: Policy,
    spec: TaskSpec,
    status: TaskStatus,
    follow: FollowUpState,
    cal: WorkingCalendar,
    *,
    start: datetime,
    until: datetime,
) -> tuple[list[Occurrence], FollowUpState]:
    """What the workflow does with a silent agency: send each due step, ask again."""
    sent: list[Occurrence] = []
    now = start
    while True:
        occ = next_occurrence(policy, spec, status, follow, cal, now)
        if occ is None or occ.at > until:
            return sent, follow
        now = max(now, occ.at)
        sent.append(occ)
        follow = fire(follow, occ)


def schedule(occurrences: list[Occurrence]) -> list[tuple[str, datetime]]:
    return [(o.step, o.at.astimezone(VN)) for o in occurrences]


# ---------------------------------------------------------------- the default ladder


def test_default_ladder_for_a_silent_agency_follows_the_working_calendar(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal)
    assert status.deadline.due == vn(2026, 9, 15, 17)
    sent, _ = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=ASSIGNED,
        until=vn(2026, 10, 14),
    )
    assert schedule(sent) == [
        # 2 working days after Thursday 20/8: Friday 21/8, then the make-up Saturday 22/8.
        ("nudge", vn(2026, 8, 22)),
        # 5 and 1 working days before Tuesday 15/9.
        ("reminder_5", vn(2026, 9, 8)),
        ("reminder_1", vn(2026, 9, 14)),
        # At the deadline means the next working morning after 17:00 on 15/9.
        ("overdue", vn(2026, 9, 16)),
        ("escalation_office", vn(2026, 9, 16)),
        # 5 working days after the deadline day.
        ("escalation_leader", vn(2026, 9, 22)),
        # 10 working days after, then every 5 working days.
        ("overdue_repeat", vn(2026, 9, 29)),
        ("overdue_repeat", vn(2026, 10, 6)),
        ("overdue_repeat", vn(2026, 10, 13)),
    ]


def test_default_ladder_sends_to_the_right_people(cal: WorkingCalendar, default: Policy) -> None:
    spec, status = make_task(cal)
    steps = {
        o.step: (o.mail, o.to, o.cc, o.escalation_step)
        for o in plan(
            default, spec, status, FollowUpState(deadline_set_at=ASSIGNED), cal, ASSIGNED, limit=7
        )
    }
    assert steps == {
        "nudge": (MailKind.NOT_ACKNOWLEDGED, ("SNGV",), (), None),
        "reminder_5": (MailKind.REMINDER, ("SNGV",), (), None),
        "reminder_1": (MailKind.REMINDER, ("SNGV",), ("STC", "SNNMT"), None),
        "overdue": (MailKind.OVERDUE, ("SNGV",), ("STC", "SNNMT"), None),
        "escalation_office": (MailKind.ESCALATION_OFFICE, (OFFICE_CODE,), (), 1),
        "escalation_leader": (MailKind.ESCALATION_LEADER, ("PCT-VINH",), (OFFICE_CODE,), 2),
        "overdue_repeat": (MailKind.OVERDUE_REMINDER, ("SNGV",), (), None),
    }


def test_reminders_count_back_over_the_national_day_holiday(
    cal: WorkingCalendar, default: Policy
) -> None:
    # Deadline Thursday 3/9/2026: the day before it is Friday 28/8, because Saturday
    # 29/8 to Wednesday 2/9 are off.
    spec, status = make_task(cal, "trước ngày 3/9/2026")
    sent, _ = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=ASSIGNED,
        until=vn(2026, 9, 11),
    )
    assert schedule(sent) == [
        ("nudge", vn(2026, 8, 22)),
        ("reminder_5", vn(2026, 8, 24)),
        ("reminder_1", vn(2026, 8, 28)),
        ("overdue", vn(2026, 9, 4)),
        ("escalation_office", vn(2026, 9, 4)),
        ("escalation_leader", vn(2026, 9, 10)),
    ]


def test_plan_shown_on_the_task_page_is_the_next_steps_in_order(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal)
    follow = FollowUpState(deadline_set_at=ASSIGNED)
    upcoming = plan(default, spec, status, follow, cal, ASSIGNED)
    assert [o.step for o in upcoming] == [
        "nudge",
        "reminder_5",
        "reminder_1",
        "overdue",
        "escalation_office",
        "escalation_leader",
    ]
    # The plan is a preview: asking for it changes nothing.
    assert next_occurrence(default, spec, status, follow, cal, ASSIGNED) == upcoming[0]


# ------------------------------------------------------------- never at night or on Tết

_START = datetime(2026, 1, 1, tzinfo=VN)


@hyp_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    assigned_minutes=st.integers(min_value=0, max_value=2 * 365 * 24 * 60),
    days_to_deadline=st.integers(min_value=0, max_value=120),
    policy_name=st.sampled_from(["default", "no_confirmation", "urgent"]),
)
def test_no_follow_up_mail_is_planned_at_night_on_weekends_or_holidays(
    cal: WorkingCalendar,
    book: dict[str, Policy],
    assigned_minutes: int,
    days_to_deadline: int,
    policy_name: str,
) -> None:
    policy = book[policy_name]
    assigned = _START + timedelta(minutes=assigned_minutes)
    due_day = assigned.date() + timedelta(days=days_to_deadline)
    spec, status = make_task(
        cal,
        f"trước ngày {due_day:%d/%m/%Y}",
        notice_day=assigned.date(),
        assigned_at=assigned,
    )
    follow = FollowUpState(deadline_set_at=assigned)
    sent, _ = run_ladder(
        policy,
        spec,
        status,
        follow,
        cal,
        start=assigned,
        until=assigned + timedelta(days=days_to_deadline + 60),
    )
    assert sent, "a silent agency is always followed up"
    by_name = {s.name: s for s in policy.steps}
    for occ in sent:
        local = occ.at.astimezone(VN)
        assert occ.at >= assigned, (occ.step, local)
        assert cal.is_working_moment(occ.at), (occ.step, local)
        step = by_name[occ.step]
        if not step.offset.is_clock:
            assert local.time() == (step.hour or policy.send_at), (occ.step, local)
    assert [o.at for o in sent] == sorted(o.at for o in sent)


# ------------------------------------------------------------------ steps and states


def test_an_acknowledged_task_gets_no_nudge(cal: WorkingCalendar, default: Policy) -> None:
    spec, status = make_task(cal, state=TaskState.ACKNOWLEDGED)
    upcoming = plan(default, spec, status, FollowUpState(deadline_set_at=ASSIGNED), cal, ASSIGNED)
    assert "nudge" not in [o.step for o in upcoming]
    assert upcoming[0].step == "reminder_5"


def test_a_task_awaiting_confirmation_only_reminds_the_office(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, state=TaskState.AWAITING_CONFIRMATION)
    reported = vn(2026, 9, 10, 15)  # Thursday afternoon, before the deadline
    status = status.model_copy(update={"reported_at": reported})
    sent, _ = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=reported,
        until=vn(2026, 9, 30),
    )
    assert {o.step for o in sent} == {"confirm_reminder"}
    assert all(o.to == (OFFICE_CODE,) for o in sent)
    # 2 working days after the report, then every 2 working days; the deadline passing
    # while the office decides sends no overdue notice to the agency.
    assert [o.at for o in sent][:4] == [
        vn(2026, 9, 14),
        vn(2026, 9, 16),
        vn(2026, 9, 18),
        vn(2026, 9, 22),
    ]


@pytest.mark.parametrize("state", [TaskState.COMPLETED, TaskState.CANCELLED])
def test_a_closed_task_gets_nothing(
    cal: WorkingCalendar, book: dict[str, Policy], state: TaskState
) -> None:
    spec, status = make_task(cal, state=state)
    for policy in book.values():
        follow = FollowUpState(deadline_set_at=ASSIGNED)
        for now in (ASSIGNED, vn(2026, 9, 16), vn(2027, 3, 1)):
            assert next_occurrence(policy, spec, status, follow, cal, now) is None
        assert plan(policy, spec, status, follow, cal, ASSIGNED) == []


def test_a_task_assigned_three_working_days_before_its_deadline_skips_reminder_5(
    cal: WorkingCalendar, default: Policy
) -> None:
    assigned = vn(2026, 9, 9, 10)  # Wednesday; 10, 11 and 14/9 are left
    spec, status = make_task(
        cal, "trước ngày 14/9/2026", notice_day=assigned.date(), assigned_at=assigned
    )
    sent, _ = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=assigned),
        cal,
        start=assigned,
        until=vn(2026, 9, 15, 12),
    )
    assert schedule(sent) == [
        ("nudge", vn(2026, 9, 11)),
        ("reminder_1", vn(2026, 9, 11)),
        ("overdue", vn(2026, 9, 15)),
        ("escalation_office", vn(2026, 9, 15)),
    ]


def test_an_extension_replans_the_ladder_for_the_new_deadline(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, state=TaskState.ACKNOWLEDGED)
    approved = vn(2026, 9, 11, 10)  # Friday, after the old reminder_5 went out
    sent, follow = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=ASSIGNED,
        until=approved,
    )
    assert [o.step for o in sent] == ["reminder_5"]

    # The office grants "trước ngày 18/9/2026" on 11/9 at 10:00.
    new = resolve_deadline("trước ngày 18/9/2026", NOTICE_DAY, cal)
    status = status.model_copy(update={"deadline": new, "escalation_step": 0})
    follow = follow.model_copy(update={"deadline_set_at": approved})
    assert status.original_deadline.due == vn(2026, 9, 15, 17)
    after, _ = run_ladder(
        default, spec, status, follow, cal, start=approved, until=vn(2026, 9, 25, 12)
    )
    # reminder_5 for 18/9 would have been 11/9 08:00, before the extension was granted:
    # skipped, not sent late. Nothing of the old deadline (14/9, 16/9) is sent any more.
    assert schedule(after) == [
        ("reminder_1", vn(2026, 9, 17)),
        ("overdue", vn(2026, 9, 21)),
        ("escalation_office", vn(2026, 9, 21)),
        ("escalation_leader", vn(2026, 9, 25)),
    ]


def test_repeats_missed_while_the_worker_was_down_collapse_into_one(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, state=TaskState.ACKNOWLEDGED)
    sent, follow = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=ASSIGNED,
        until=vn(2026, 9, 29, 9),
    )
    assert sent[-1].step == "overdue_repeat" and sent[-1].at == vn(2026, 9, 29)

    # The worker was down from 29/9 until 9/12/2026 14:00: ten repeats fell due
    # meanwhile (the one of 24/11, Vietnam Culture Day, moved to 25/11).
    back = vn(2026, 12, 9, 14)
    catch_up = next_occurrence(default, spec, status, follow, cal, back)
    assert catch_up is not None and catch_up.step == "overdue_repeat"
    assert catch_up.at <= back  # due now, goes out at once
    assert catch_up.at == vn(2026, 12, 9)  # the latest missed one, not the first
    follow = fire(follow, catch_up)
    following = next_occurrence(default, spec, status, follow, cal, back)
    assert following is not None and following.at > back
    assert following.at == vn(2026, 12, 16)


def test_a_reassigned_task_nudges_its_new_owner_from_the_reassignment(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, state=TaskState.ACKNOWLEDGED)
    # The first owner acknowledged, so its nudge never went out; on Tuesday 1/9 (a day
    # off, say from the console) the office gives the task to SCT.
    moved = vn(2026, 9, 1, 10)
    status = status.model_copy(update={"owner": "SCT", "state": TaskState.ASSIGNED})
    follow = FollowUpState(deadline_set_at=moved, owner_since=moved)
    upcoming = plan(default, spec, status, follow, cal, moved)
    assert (upcoming[0].step, upcoming[0].at, upcoming[0].to) == (
        "nudge",
        vn(2026, 9, 4),  # 3/9 and 4/9 are the first two working days after it
        ("SCT",),
    )
    # Without ``owner_since`` the nudge would count from 20/8 and be due at once.
    stale = plan(default, spec, status, FollowUpState(deadline_set_at=moved), cal, moved)
    assert stale[0].step == "nudge" and stale[0].at == vn(2026, 8, 22)


# ------------------------------------------------------------------------ ongoing work


def test_ongoing_task_is_asked_for_its_report_before_each_month_end(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, "thường xuyên", state=TaskState.ACKNOWLEDGED)
    assert status.deadline.due is None
    sent, _ = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=ASSIGNED,
        until=vn(2026, 12, 31, 18),
    )
    due = [o.at for o in sent if o.step == "report_due"]
    # The first period ends at least 20 days after the notice: 30/9, then 31/10 (a
    # Saturday, so the period closes on Monday 2/11), 30/11, 31/12.
    assert due == [vn(2026, 9, 25), vn(2026, 10, 28), vn(2026, 11, 25), vn(2026, 12, 28)]
    assert {o.step for o in sent} == {"report_due", "report_missed"}
    assert all(
        o.mail == MailKind.REPORT_DUE and o.to == ("SNGV",) for o in sent if o.step == "report_due"
    )


def test_ongoing_task_report_missed_goes_out_only_for_periods_without_a_report(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, "thường xuyên", state=TaskState.ACKNOWLEDGED)
    follow = FollowUpState(deadline_set_at=ASSIGNED, last_progress_at=vn(2026, 9, 28, 10))
    sent, _ = run_ladder(default, spec, status, follow, cal, start=ASSIGNED, until=vn(2026, 11, 30))
    missed = [o for o in sent if o.step == "report_missed"]
    # September was reported (28/9): no report_missed for it. October was not: 3 working
    # days after the period closed on Monday 2/11, the office is told, the owner in copy.
    assert [o.at for o in missed] == [vn(2026, 11, 5)]
    assert missed[0].to == (OFFICE_CODE,) and missed[0].cc == ("SNGV",)
    assert missed[0].mail == MailKind.REPORT_MISSED


def test_ongoing_task_keeps_asking_for_reports_after_many_years(
    cal: WorkingCalendar, default: Policy
) -> None:
    # The periods used to be counted from the first one and ran out after 48: from
    # September 2030 on, the task never asked for a report again.
    spec, status = make_task(cal, "thường xuyên", state=TaskState.ACKNOWLEDGED)
    now = vn(2032, 9, 10, 9)
    sent, follow = run_ladder(
        default,
        spec,
        status,
        FollowUpState(deadline_set_at=ASSIGNED),
        cal,
        start=ASSIGNED,
        until=now,
    )
    due = [o.at.date() for o in sent if o.step == "report_due"]
    assert len(due) == 72  # every month from September 2026 to August 2032
    assert len({(d.year, d.month) for d in due}) == 72
    upcoming = plan(default, spec, status, follow, cal, now, limit=2)
    assert [(o.step, o.at.date()) for o in upcoming] == [
        ("report_due", date(2032, 9, 27)),  # 3 working days before Thursday 30/9/2032
        ("report_missed", date(2032, 10, 5)),
    ]


def test_deadline_steps_and_periodic_reports_do_not_mix(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, "thường xuyên")
    steps = {o.step for o in plan(default, spec, status, FollowUpState(), cal, ASSIGNED, limit=12)}
    assert steps <= {"nudge", "report_due", "report_missed"}
    spec, status = make_task(cal)
    steps = {o.step for o in plan(default, spec, status, FollowUpState(), cal, ASSIGNED, limit=12)}
    assert not steps & {"report_due", "report_missed"}


# -------------------------------------------------------------------- policy as data


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("-5 working_days", -5, "working_days"),
        ("1 working_day", 1, "working_days"),
        ("2 hours", 2, "hours"),
        ("1 hour", 1, "hours"),
        ("30 minutes", 30, "minutes"),
        ("+3 days", 3, "days"),
        ("4", 4, "working_days"),
        (" -2  working_days ", -2, "working_days"),
    ],
)
def test_offset_reads_its_text_form(text: str, amount: int, unit: str) -> None:
    offset = Offset.model_validate(text)
    assert (offset.amount, offset.unit) == (amount, unit)
    assert Offset.model_validate(str(offset)) == offset


def test_offset_from_a_bare_number_counts_working_days() -> None:
    assert Offset.model_validate(-1) == Offset(amount=-1, unit="working_days")
    assert not Offset(amount=2, unit="working_days").is_clock
    assert Offset(amount=2, unit="hours").is_clock


@pytest.mark.parametrize(
    "bad", ["five days", "2 fortnights", "", "-", "2 hours later", "1.5 hours"]
)
def test_offset_refuses_bad_text_in_vietnamese(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        Offset.model_validate(bad)
    assert "không hợp lệ" in str(err.value)


def test_the_shipped_policy_book_loads_with_the_default_ladder(book: dict[str, Policy]) -> None:
    assert {"default", "urgent", "demo", "no_confirmation"} <= set(book)
    default = book["default"]
    assert default.name == "default"
    assert default.send_at == time(8, 0)
    assert default.confirm_completion and default.working_hours_only
    assert not book["no_confirmation"].confirm_completion
    assert not book["demo"].working_hours_only
    assert all(s.offset.unit == "minutes" for s in book["demo"].steps)
    assert [s.name for s in default.steps][:6] == [
        "nudge",
        "reminder_5",
        "reminder_1",
        "overdue",
        "escalation_office",
        "escalation_leader",
    ]
    repeat = next(s for s in default.steps if s.name == "overdue_repeat")
    assert repeat.offset == Offset(amount=10, unit="working_days")
    assert repeat.repeat_every == Offset(amount=5, unit="working_days")


_STEP = {"mail": "reminder", "anchor": "deadline", "offset": "-1 working_days", "to": ["owner"]}


def test_the_policy_book_refuses_duplicate_step_names() -> None:
    text = {"policies": {"p": {"steps": [{"name": "x", **_STEP}, {"name": "x", **_STEP}]}}}
    with pytest.raises(ValidationError, match="tên các bước"):
        PolicyBook.model_validate(text)


def test_the_policy_book_refuses_unknown_fields_and_empty_repeats() -> None:
    with pytest.raises(ValidationError):
        PolicyBook.model_validate(
            {"policies": {"p": {"steps": [{"name": "x", "when": 1, **_STEP}]}}}
        )
    with pytest.raises(ValidationError, match="chu kỳ lặp"):
        PolicyBook.model_validate(
            {"policies": {"p": {"steps": [{"name": "x", "repeat_every": "0 days", **_STEP}]}}}
        )


def test_a_policy_from_yaml_names_itself_after_its_key() -> None:
    book = PolicyBook.model_validate(
        yaml.safe_load(
            """
policies:
  khan:
    send_at: "07:30"
    steps:
      - {name: r, mail: reminder, anchor: deadline, offset: -2 hours, to: [owner], hour: "09:00"}
"""
        )
    )
    policy = book.policies["khan"]
    assert policy.name == "khan" and policy.send_at == time(7, 30)
    assert policy.steps[0].offset == Offset(amount=-2, unit="hours")
    assert policy.steps[0].hour == time(9, 0)


def test_a_reminder_before_the_deadline_is_dropped_once_the_deadline_has_passed(
    cal: WorkingCalendar, default: Policy
) -> None:
    spec, status = make_task(cal, state=TaskState.ACKNOWLEDGED)
    follow = FollowUpState(deadline_set_at=ASSIGNED)
    # The worker was down from before reminder_5 (8/9) until after the deadline (15/9 17:00).
    back = vn(2026, 9, 16, 10)
    occ = next_occurrence(default, spec, status, follow, cal, back)
    assert occ is not None and occ.step == "overdue"  # not a late "deadline approaching"
