"""``/readyz``: 200 when the database, Temporal and the SMTP relay answer; otherwise 503
naming the part that did not. Each part is real: the session's Temporal dev server or a
port where nothing listens, an aiosmtpd relay started and stopped."""

from __future__ import annotations

import httpx
from temporalio.client import Client

from dondoc.devstack.net import free_port
from dondoc.settings import Settings
from dondoc.web.app import create_app
from support.mailbox import Mailbox


async def _readyz(settings: Settings) -> httpx.Response:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dondoc.test") as web:
        return await web.get("/readyz")


def _target(client: Client) -> str:
    return client.service_client.config.target_host


async def test_ready_when_every_part_answers_and_not_when_the_relay_goes(
    settings: Settings, ops_temporal: Client
) -> None:
    relay = Mailbox()
    here = settings.model_copy(
        update={"temporal_address": _target(ops_temporal), "smtp_port": relay.port}
    )
    down = await _readyz(here)
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok" and body["temporal"] == "ok"
    assert body["smtp"].startswith("error: ")

    relay.start()
    try:
        up = await _readyz(here)
        assert up.status_code == 200, up.text
        assert up.json() == {"status": "ok", "database": "ok", "temporal": "ok", "smtp": "ok"}
    finally:
        relay.stop()

    gone = await _readyz(here)
    assert gone.status_code == 503
    assert gone.json()["smtp"].startswith("error: ")


async def test_not_ready_when_temporal_is_unreachable(settings: Settings) -> None:
    closed = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    answer = await _readyz(closed)
    assert answer.status_code == 503
    body = answer.json()
    assert body["temporal"].startswith("error: "), body
    assert body["database"] == "ok" and body["smtp"] == "ok"
