"""Bare Temporal, the floor Đôn đốc's issue and close are measured against.

``BareTask`` is a task workflow with nothing of ours in it: it runs one no-op activity (the
assignment), then waits for an ``acknowledge`` and a ``complete`` Update and ends. Its
worker runs in a process of its own, as ``dondoc worker`` does, so neither side shares an
interpreter with the bench's clients; run it with

    .venv/bin/python bench/bare_temporal.py --address HOST:PORT --task-queue QUEUE

The no-op activity's one side effect is a line on the worker's stdout naming its workflow.
The bench timestamps that line as it timestamps an assignment mail reaching its SMTP
server: both are "started, and its first activity ran", seen from outside.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn(name="bare_assign")
async def bare_assign(workflow_id: str) -> None:
    sys.stdout.write(workflow_id + "\n")
    sys.stdout.flush()


@workflow.defn(name="BareTask")
class BareTask:
    def __init__(self) -> None:
        self._state = "assigned"

    @workflow.run
    async def run(self, workflow_id: str) -> str:
        await workflow.execute_activity(
            bare_assign, workflow_id, start_to_close_timeout=timedelta(seconds=30)
        )
        await workflow.wait_condition(lambda: self._state == "completed")
        return self._state

    @workflow.update
    def acknowledge(self, actor: str) -> str:
        self._state = "acknowledged"
        return self._state

    @acknowledge.validator
    def _validate_acknowledge(self, actor: str) -> None:
        if self._state != "assigned":
            raise ValueError(f"cannot acknowledge a task in state {self._state}")

    @workflow.update
    def complete(self, summary: str) -> str:
        self._state = "completed"
        return self._state

    @complete.validator
    def _validate_complete(self, summary: str) -> None:
        if self._state != "acknowledged":
            raise ValueError(f"cannot complete a task in state {self._state}")


@dataclass
class Assignments:
    """Arrival times of the worker's stdout lines, read by a thread from its pipe."""

    seen: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def follow(self, pipe: IO[bytes]) -> None:
        def read() -> None:
            for line in pipe:
                at = time.monotonic()
                with self.lock:
                    self.seen.setdefault(line.decode().strip(), at)

        threading.Thread(target=read, daemon=True, name="bare-assignments").start()

    def times(self, ids: list[str]) -> list[float]:
        with self.lock:
            return [self.seen[i] for i in ids if i in self.seen]

    async def wait_for(self, ids: list[str], timeout: float) -> list[float]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.times(ids)
            if len(found) == len(ids) or time.monotonic() > deadline:
                return sorted(found)
            await asyncio.sleep(0.02)


async def start_all(client: Client, ids: list[str], queue: str, concurrency: int) -> None:
    """Start every workflow, ``concurrency`` starts in flight at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(workflow_id: str) -> None:
        async with gate:
            await client.start_workflow(BareTask.run, workflow_id, id=workflow_id, task_queue=queue)

    await asyncio.gather(*(one(i) for i in ids))


async def _serve(address: str, queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(client, task_queue=queue, workflows=[BareTask], activities=[bare_assign]):
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the bare-Temporal worker.")
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.address, args.task_queue))


if __name__ == "__main__":
    main()
