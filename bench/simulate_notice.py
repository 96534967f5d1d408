"""Sixty simulated days of a 50-task notice: Đôn đốc against bare Temporal, in one run.

Đôn đốc: ``dondoc.starter.simulate.simulate`` — real TaskWorkflows, real activities (SQLite
writes, Jinja2 rendering, SMTP to a real aiosmtpd sink) on the time-skipping test server.
Bare Temporal: on a fresh time-skipping server, 50 minimal workflows that sleep through the
same number of timers and call one no-op activity per mail the Đôn đốc run sent.
The ratio says what our rules, rendering and storage cost on top of Temporal itself.

    .venv/bin/python bench/simulate_notice.py [--tasks 50] [--days 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import date, timedelta

from bare_ladder import BareLadder, noop
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from dondoc.domain.directory import Agency, Directory, Leader, Office
from dondoc.logs import configure_logging
from dondoc.settings import Settings
from dondoc.starter.binaries import installed_binary
from dondoc.starter.simulate import simulate


def directory(agencies: int) -> Directory:
    return Directory(
        office=Office(name="Văn phòng UBND tỉnh", email="vanphong@bench.example"),
        leaders=[
            Leader(
                code="PCT",
                name="Phùng Thành Vinh",
                title="Phó Chủ tịch UBND tỉnh",
                email="pct@bench.example",
            )
        ],
        agencies=[
            Agency(code=f"S{i:02d}", name=f"Sở số {i}", email=f"s{i}@bench.example")
            for i in range(agencies)
        ],
    )


def notice(tasks: int, start: date) -> dict:
    forms = ["trước ngày {d:%d/%m/%Y}", "trong {n} ngày làm việc", "{d:%Y-%m-%d}"]
    items = []
    for i in range(tasks):
        due = start + timedelta(days=10 + i % 25)
        phrase = forms[i % 3].format(d=due, n=5 + i % 20)
        items.append(
            {
                "owner": f"S{i % 20:02d}",
                "coordinators": [f"S{(i + 1) % 20:02d}"],
                "work": f"Nhiệm vụ số {i + 1}: hoàn thiện hồ sơ, báo cáo UBND tỉnh",
                "deadline": phrase,
            }
        )
    return {
        "number": "99/TB-UBND",
        "date": start.isoformat(),
        "leader": "PCT",
        "subject": "Bench",
        "tasks": items,
    }


async def bare(schedule: dict[str, list[float]], days: int) -> float:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        began = time.perf_counter()
        queue = f"bare-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=queue, workflows=[BareLadder], activities=[noop]):
            for steps in schedule.values():
                await env.client.start_workflow(
                    BareLadder.run, steps, id=f"bare-{uuid.uuid4()}", task_queue=queue
                )
            await env.sleep(timedelta(days=days))
            await asyncio.sleep(0.5)
        return time.perf_counter() - began
    finally:
        await env.shutdown()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    configure_logging("ERROR")
    start = date(2027, 3, 1)
    ours: list[float] = []
    theirs: list[float] = []
    mails = 0
    for _ in range(args.rounds):
        began = time.perf_counter()
        result = await simulate(notice(args.tasks, start), directory(20), args.days, Settings())
        ours.append(time.perf_counter() - began)
        mails = len(result.mails)
        schedule: dict[str, list[float]] = {}
        for mail in result.mails:
            schedule.setdefault(mail.task, []).append(mail.at.timestamp())
        gaps = {
            task: [
                max(0.0, b - a)
                for a, b in zip([result.started_at.timestamp(), *times], times, strict=False)
            ]
            for task, times in schedule.items()
        }
        theirs.append(await bare(gaps, args.days))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(
        f"command: .venv/bin/python bench/simulate_notice.py --tasks {args.tasks} --days {args.days} --rounds {args.rounds}"
    )
    print(f"mails per run: {mails}")
    print(f"dondoc simulate   median {o:6.2f} s  runs {[round(x, 2) for x in ours]}")
    print(f"bare Temporal     median {t:6.2f} s  runs {[round(x, 2) for x in theirs]}")
    print(f"ratio dondoc/bare: {o / t:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
