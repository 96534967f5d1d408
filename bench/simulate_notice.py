"""A notice's follow-up on skipped time: ``dondoc simulate`` against bare Temporal, in one run.

Two modes: sixty simulated days of a 50-task notice (the default), and a year of a
1,000-task notice (``--year``) whose deadlines spread over the year, so that reminders,
overdue notices, escalations and the repeating overdue reminders all run for months.

Đôn đốc: ``dondoc simulate NOTICE --directory FILE --days D --json``, the public command,
as a process: real TaskWorkflows and activities (SQLite writes, Jinja2 rendering, SMTP
to a real aiosmtpd sink) on the time-skipping test server, from the process start to
its exit (interpreter start and the test server's start included).
Bare Temporal: on a fresh time-skipping server (its start included too), one minimal
workflow per task that sleeps through the same gaps and calls one no-op activity per
mail the Đôn đốc run sent (``bare_ladder.BareLadder``). The ratio says what our rules,
rendering and storage cost on top of Temporal itself.

    .venv/bin/python bench/simulate_notice.py [--tasks 50] [--days 60] [--rounds 3]
    .venv/bin/python bench/simulate_notice.py --year [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from bare_ladder import BareLadder, noop
from dondoc_stack import compile_as_deployed
from figures import machine
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

DONDOC = str(Path(sys.executable).parent / "dondoc")
TEST_SERVER = str(Path(sys.executable).parent / "temporal-test-server")
AGENCIES = 20
TARGET_RATIO = 2.0
TARGET_YEAR_S = 600.0


def directory() -> dict[str, Any]:
    return {
        "office": {"name": "Văn phòng UBND tỉnh", "email": "vanphong@bench.example"},
        "leaders": [
            {"code": "PCT", "name": "Phùng Thành Vinh", "title": "Phó Chủ tịch UBND tỉnh",
             "email": "pct@bench.example"}
        ],
        "agencies": [
            {"code": f"S{i:02d}", "name": f"Sở số {i}", "email": f"s{i}@bench.example"}
            for i in range(AGENCIES)
        ],
    }  # fmt: skip


def notice(tasks: int, start: date, span: int) -> dict[str, Any]:
    """Deadlines from 10 to 10 + ``span`` days after ``start``, in the three written forms."""
    forms = ["trước ngày {d:%d/%m/%Y}", "trong {n} ngày làm việc", "{d:%Y-%m-%d}"]
    items = []
    for i in range(tasks):
        due = start + timedelta(days=10 + i % span)
        items.append(
            {
                "owner": f"S{i % AGENCIES:02d}",
                "coordinators": [f"S{(i + 1) % AGENCIES:02d}"],
                "work": f"Nhiệm vụ số {i + 1}: hoàn thiện hồ sơ, báo cáo UBND tỉnh",
                "deadline": forms[i % 3].format(d=due, n=5 + i % 20),
            }
        )
    return {"number": "99/TB-UBND", "date": start.isoformat(), "leader": "PCT",
            "subject": "Bench", "tasks": items}  # fmt: skip


def run_dondoc(folder: Path, days: int) -> tuple[float, list[dict[str, Any]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env["DONDOC_DATA_DIR"] = str(folder)
    began = time.perf_counter()
    done = subprocess.run(
        [DONDOC, "simulate", str(folder / "notice.yaml"), "--directory",
         str(folder / "directory.yaml"), "--days", str(days), "--json"],
        env=env, cwd=folder, capture_output=True, text=True, timeout=7200,
    )  # fmt: skip
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"dondoc simulate exited {done.returncode}:\n{done.stderr}")
    return took, json.loads(done.stdout)["mails"]


def gaps(mails: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per task, the seconds between its mails, from the run's first mail (the start)."""
    times: dict[str, list[float]] = {}
    for mail in mails:
        times.setdefault(mail["task"], []).append(datetime.fromisoformat(mail["at"]).timestamp())
    start = min(t for ts in times.values() for t in ts)
    return {
        task: [max(0.0, b - a) for a, b in zip([start, *sorted(ts)], sorted(ts), strict=False)]
        for task, ts in times.items()
    }


async def run_bare(schedule: dict[str, list[float]], days: int) -> float:
    began = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=TEST_SERVER, data_converter=pydantic_data_converter
    )
    try:
        queue = f"bare-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=queue, workflows=[BareLadder], activities=[noop]):
            for steps in schedule.values():
                await env.client.start_workflow(
                    BareLadder.run, steps, id=f"bare-{uuid.uuid4()}", task_queue=queue
                )
            # Not env.sleep: its call is cut off after 30 s of wall time.
            request = SleepRequest()
            request.duration.FromTimedelta(timedelta(days=days))
            await env.client.test_service.unlock_time_skipping_with_sleep(
                request, timeout=timedelta(hours=12)
            )
            await asyncio.sleep(0.5)
        return time.perf_counter() - began
    finally:
        await env.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", action="store_true", help="1,000 tasks over 365 days")
    parser.add_argument("--tasks", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    tasks = args.tasks or (1000 if args.year else 50)
    days = args.days or (365 if args.year else 60)
    rounds = args.rounds or (1 if args.year else 3)
    span = 300 if args.year else 25
    start = date(2027, 3, 1)
    print(f"$ {shlex.join([sys.executable, *sys.argv])}", flush=True)
    host = machine()
    compile_as_deployed()
    ours: list[float] = []
    theirs: list[float] = []
    mails = 0
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="dondoc-sim-bench-") as tmp:
            folder = Path(tmp)
            for name, doc in (("notice.yaml", notice(tasks, start, span)),
                              ("directory.yaml", directory())):  # fmt: skip
                (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
            took, sent = run_dondoc(folder, days)
        ours.append(took)
        mails = len(sent)
        theirs.append(asyncio.run(run_bare(gaps(sent), days)))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"{tasks} tasks, {days} simulated days, {mails} mails per run, {host}")
    print(f"dondoc simulate   median {o:7.2f} s  runs {[round(x, 2) for x in ours]}")
    print(f"bare Temporal     median {t:7.2f} s  runs {[round(x, 2) for x in theirs]}")
    verdict = "ok" if o / t <= TARGET_RATIO else "MISSED"
    print(f"ratio dondoc/bare: {o / t:.2f} (target ≤ {TARGET_RATIO}: {verdict})")
    if args.year:
        print(
            f"a year in {o / 60:.1f} min (target < 10 min: {'ok' if o < TARGET_YEAR_S else 'MISSED'})"
        )
    print(
        json.dumps(
            {"bench": "simulate_notice", "tasks": tasks, "days": days, "mails": mails,
             "dondoc_s": round(o, 2), "bare_s": round(t, 2), "ratio": round(o / t, 2),
             "dondoc_runs": [round(x, 2) for x in ours], "bare_runs": [round(x, 2) for x in theirs]}
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
