"""The web's ``/metrics``: labelled by route template, never by a token or a raw path;
nothing secret in it; closed behind a bearer token when the deployment sets one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from dondoc.settings import Settings
from dondoc.web.app import create_app

FORGED = "eyJ0IjoiMjAyNi0xLVRCLVVCTkQtMSJ9.bW90LW1hLWdpYS1tYW8"
STRAY = "/khong-co-trang-nay/a1b2c3d4e5f6"
TEMPLATE = re.compile(r"(/([\w.-]+|\{\w+\}))+|/")


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dondoc.test")


@pytest_asyncio.fixture
async def web(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    client = await _client(create_app(settings))
    async with client:
        yield client


def _route_labels(text: str) -> set[str]:
    return {
        sample.labels["route"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if "route" in sample.labels
    }


async def test_route_labels_are_templates_never_tokens(web: httpx.AsyncClient) -> None:
    page = await web.get(f"/t/{FORGED}")
    assert page.status_code in (400, 403, 404, 410), page.status_code
    assert (await web.post(f"/t/{FORGED}/acknowledge", data={"form_token": "x"})).is_client_error
    assert (await web.get(STRAY)).status_code == 404

    text = (await web.get("/metrics")).text
    assert FORGED not in text and "a1b2c3d4e5f6" not in text
    labels = _route_labels(text)
    assert {"/t/{token}", "/t/{token}/{action}", "<unmatched>"} <= labels
    # Whatever else this process served (other tests share the counters): templates only.
    assert all(TEMPLATE.fullmatch(label) for label in labels - {"<unmatched>"}), labels


async def test_metrics_hold_nothing_secret_and_stay_out_of_the_api_document(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    answer = await web.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    for secret in (settings.secret_key.get_secret_value(), settings.database_url, "@ubnd.test"):
        assert secret not in text
    openapi = (await web.get("/openapi.json")).json()
    assert "/metrics" not in openapi["paths"]
    # Prometheus may ask for OpenMetrics; the client library answers in kind.
    asked = await web.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert asked.headers["content-type"].startswith("application/openmetrics-text")
    assert asked.text.rstrip().endswith("# EOF")


async def test_a_metrics_token_closes_the_endpoint(settings: Settings) -> None:
    closed = settings.model_copy(update={"metrics_token": SecretStr("ma-so-lieu-giam-sat")})
    async with await _client(create_app(closed)) as web:
        refused = await web.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "mã truy cập" in refused.text
        wrong = await web.get("/metrics", headers={"Authorization": "Bearer sai-ma"})
        assert wrong.status_code == 401
        right = await web.get("/metrics", headers={"Authorization": "Bearer ma-so-lieu-giam-sat"})
        assert right.status_code == 200
        assert re.search(r"^# TYPE dondoc_tasks gauge$", right.text, re.M)
