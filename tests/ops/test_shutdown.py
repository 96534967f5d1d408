"""SIGTERM stops ``dondoc worker`` and ``dondoc web`` gracefully, within a bound.

Real processes against the session's Temporal dev server and an SMTP relay (aiosmtpd) that
holds its answer until the test releases it, so "in flight" is a fact the test saw (the
relay has the message, or the readiness probe's NOOP), not a guess about timing. The
bounds asserted are the services' own (``DONDOC_SHUTDOWN_TIMEOUT`` plus the watchdog's
margin), which is what an operator's ``TimeoutStopSec`` or ``terminationGracePeriodSeconds``
is set against.
"""

from __future__ import annotations

import concurrent.futures

import httpx
import pytest
from ops_deployment import Deployment
from ops_processes import HeldRelay, start_web, start_worker

from dondoc.cli.stopping import FORCED, MARGIN

pytestmark = pytest.mark.e2e


async def test_worker_lets_a_running_mail_finish_after_sigterm(
    deployment: Deployment, relay: HeldRelay
) -> None:
    worker = start_worker(deployment.env(shutdown_timeout="20"), deployment.folder)
    try:
        relay.hold()
        task_id = await deployment.issue()
        assert relay.handler.data_arrived.wait(30), worker.output()

        worker.terminate()
        worker.wait_for("worker_stopping")
        assert relay.accepted == []
        relay.release()

        assert worker.exit_code(timeout=20 + MARGIN) == 0, worker.output()
        assert [m["X-Dondoc-Task"] for m in relay.accepted] == [task_id]
        sent = worker.wait_for("mail_sent", timeout=0, task_id=task_id)
        assert (
            sent["activity"] == "record_and_mail"
        )  # one activity per event (ONE_ACTIVITY_PER_EVENT)
        assert deployment.outbox(task_id) == ["sent"]
        worker.wait_for("worker_stopped", timeout=0)
    finally:
        worker.kill()


async def test_worker_stops_at_its_bound_when_an_activity_hangs(
    deployment: Deployment, relay: HeldRelay
) -> None:
    worker = start_worker(deployment.env(shutdown_timeout="2"), deployment.folder)
    try:
        relay.hold()
        task_id = await deployment.issue()
        assert relay.handler.data_arrived.wait(30), worker.output()

        worker.terminate()
        # The SDK cancels the activity when the bound passes; the worker then stops.
        assert worker.exit_code(timeout=2 + MARGIN) == 0, worker.output()
        worker.wait_for("worker_stopped", timeout=0)
        # Not recorded as sent, not lost: the outbox holds it for the next worker's retry,
        # marked as handed to the relay (which may have it: a possible duplicate, said so).
        assert deployment.outbox(task_id) == ["sending"]
    finally:
        worker.kill()


async def test_a_second_sigterm_stops_the_worker_at_once(
    deployment: Deployment, relay: HeldRelay
) -> None:
    worker = start_worker(deployment.env(shutdown_timeout="300"), deployment.folder)
    try:
        relay.hold()
        await deployment.issue()
        assert relay.handler.data_arrived.wait(30), worker.output()

        worker.terminate()
        worker.wait_for("worker_stopping")
        worker.terminate()
        assert worker.exit_code(timeout=MARGIN) == FORCED, worker.output()
        assert worker.wait_for("worker_stop_forced", timeout=0)["reason"] == "second signal"
    finally:
        worker.kill()


def _readyz(url: str) -> httpx.Response:
    return httpx.get(f"{url}/readyz", timeout=30)


async def test_web_finishes_a_request_in_flight_after_sigterm(
    deployment: Deployment, relay: HeldRelay
) -> None:
    web = start_web(deployment.env(shutdown_timeout="20"), deployment.folder, deployment.web_port)
    assert web.url is not None
    try:
        relay.hold()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(_readyz, web.url)
            assert relay.handler.noop_arrived.wait(10), web.output()

            web.terminate()
            web.wait_for("web_stop_requested")
            relay.release()
            response = answer.result(timeout=30)
        # The request ran to its end: the whole readiness answer, not uvicorn's 500 for a
        # request cut short (whether the relay's NOOP came within the probe's own 3 s is
        # the machine's speed, so "ok" is not asserted).
        assert response.status_code in (200, 503), response.text
        body = response.json()
        assert set(body) == {"status", "database", "temporal", "smtp"}
        assert body["database"] == "ok" and body["temporal"] == "ok"
        assert web.exit_code(timeout=20 + MARGIN) == 0, web.output()
        web.wait_for("action_relay_stopped", timeout=0)
    finally:
        web.kill()


async def test_web_stops_at_its_bound_when_a_request_hangs(
    deployment: Deployment, relay: HeldRelay
) -> None:
    web = start_web(deployment.env(shutdown_timeout="1"), deployment.folder, deployment.web_port)
    assert web.url is not None
    try:
        relay.hold()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(_readyz, web.url)
            assert relay.handler.noop_arrived.wait(10), web.output()
            web.terminate()
            assert web.exit_code(timeout=1 + MARGIN) == 0, web.output()
            # Cut short when the bound passed: uvicorn answers 500 in its place.
            assert answer.result(timeout=30).status_code == 500
    finally:
        web.kill()


async def test_a_second_sigterm_stops_the_web_at_once(
    deployment: Deployment, relay: HeldRelay
) -> None:
    web = start_web(deployment.env(shutdown_timeout="300"), deployment.folder, deployment.web_port)
    assert web.url is not None
    try:
        relay.hold()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(_readyz, web.url)
            assert relay.handler.noop_arrived.wait(10), web.output()
            web.terminate()
            web.wait_for("web_stop_requested")
            web.terminate()
            assert web.exit_code(timeout=MARGIN) == FORCED, web.output()
            with pytest.raises(httpx.TransportError):
                answer.result(timeout=30)
        assert web.wait_for("web_stop_forced", timeout=0)["reason"] == "second signal"
    finally:
        web.kill()
