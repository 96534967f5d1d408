"""Loading a year of the calendar (``dondoc calendar load``): kept for new tasks, sent to
every running one, a moved deadline left to the office; the same file twice sends nothing
new. And the command line refuses a file that is not a whole, well-founded year."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from dondoc.commands.calendar import load_calendar, preview_calendar
from dondoc.store.calendars import calendar_in_force
from dondoc.store.db import session_scope
from support.calendar_files import as_yaml, year_with_day_off
from support.console import FixedClient
from support.desk import Desk
from support.followup import events, recorded, view

DONDOC = Path(sys.executable).parent / "dondoc"


async def test_a_loaded_year_reaches_running_tasks_and_new_ones(desk: Desk) -> None:
    spec, handle = await desk.issue()
    replacement = year_with_day_off(desk.deadline.year, desk.deadline)
    preview = await preview_calendar(desk.settings, replacement)
    assert [a.task_id for a in preview.affected] == [spec.id]
    assert any(d.date == desk.deadline for d in preview.days)

    temporal = FixedClient(desk.env.client)
    loaded = await load_calendar(
        desk.settings,
        temporal,
        replacement,
        actor="user:quantri",
        source="Quyết định số 99/QĐ-UBND",
    )
    assert loaded.years == [desk.deadline.year]
    assert loaded.sent == 1 and loaded.proposed == [spec.id]
    status = (await view(handle)).status
    assert status.pending_deadline_move is not None
    await recorded(desk.settings, spec.id, 2)
    changed = [e for e in events(desk.settings, spec.id) if e.kind == "calendar_changed"]
    assert len(changed) == 1 and "Quyết định số 99/QĐ-UBND" in changed[0].summary
    # New tasks take the loaded year too.
    with session_scope(desk.settings.database_url) as session:
        in_force = calendar_in_force(session, desk.settings, spec.notice_date)
    assert not in_force.is_working_day(desk.deadline)

    again = await load_calendar(desk.settings, temporal, replacement, actor="user:quantri")
    assert again.sent == 1  # the same action key: Temporal answers it once
    await recorded(desk.settings, spec.id, 2)
    assert len([e for e in events(desk.settings, spec.id) if e.kind == "calendar_changed"]) == 1


def test_the_command_line_previews_and_refuses_a_bad_year(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    env = {"DONDOC_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    good = tmp_path / "lich-2027.yaml"
    good.write_text(as_yaml(year_with_day_off(2027, date(2027, 2, 3))), "utf-8")
    shown = subprocess.run(
        [str(DONDOC), "calendar", "load", str(good), "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Lịch năm 2027" in shown.stdout and "03/02/2027" in shown.stdout
    assert "chưa nạp" in shown.stdout

    bad = tmp_path / "sai.yaml"
    bad.write_text("years:\n  2027:\n    - date: 2027-02-30\n      kind: day_off\n", "utf-8")
    refused = subprocess.run(
        [str(DONDOC), "calendar", "load", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "dòng" in refused.stderr and "sai.yaml" in refused.stderr
