"""``X-Forwarded-For`` counts only when a configured proxy sends it.

Against ``dondoc web`` as its own process, where the client's address shows in three
places an attacker would like to write: the request log, the failed sign-in log, and the
console session's record. And against the app under uvicorn configured as ``dondoc web``
configures it, where a header that rotates on every try must not reset the link throttle.
Every 127.x.y.z is this machine: 127.0.0.1 plays the proxy, 127.0.0.2 a client that
reaches the web directly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import httpx
import pytest

from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import ConsoleSessionRow
from dondoc.store.users import add_user
from dondoc.web.app import create_app
from dondoc.web.throttle import FailureThrottle
from support.console import PASSWORD, DownClient
from support.seeded import WebProcess, seeded_settings, web_process
from support.served import client_at, served

FORGED = "203.0.113.7"
"""The address a client claims to be (TEST-NET-3)."""


def with_office(folder: Path) -> Settings:
    settings = seeded_settings(folder)
    with session_scope(settings.database_url) as session:
        add_user(session, "office", role="office", password=PASSWORD, display_name="Văn phòng")
    return settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return with_office(tmp_path_factory.mktemp("forwarded"))


def log_lines(log: Path, event: str, **match: Any) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.strip()]
    return [
        line
        for line in lines
        if line.get("event") == event and all(line.get(k) == v for k, v in match.items())
    ]


def wait_for_line(log: Path, event: str, **match: Any) -> dict[str, Any]:
    """The first line logged for ``event`` (logged once its answer is out, so polled)."""
    deadline = time.monotonic() + 20
    while True:
        found = log_lines(log, event, **match)
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no {event} {match} in the web's log")
        time.sleep(0.05)


def sign_in(web: str, address: str, password: str, forwarded: str) -> httpx.Response:
    """Sign in as ``office`` from ``address``, every request claiming ``forwarded``."""
    transport = httpx.HTTPTransport(local_address=address)
    headers = {"X-Forwarded-For": forwarded}
    with httpx.Client(base_url=web, transport=transport, headers=headers) as client:
        page = client.get("/admin/login")
        token = page.text.split('name="login_token" value="', 1)[1].split('"', 1)[0]
        return client.post(
            "/admin/login",
            data={"username": "office", "password": password, "login_token": token},
        )


def session_addresses(settings: Settings) -> set[str]:
    with session_scope(settings.database_url) as session:
        return {row.address for row in session.query(ConsoleSessionRow)}


Running = tuple[WebProcess, Path, Settings]
"""``dondoc web``, its log, and the settings of its own database."""


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """``dondoc web`` trusting no proxy (the default)."""
    folder = tmp_path_factory.mktemp("direct")
    settings = with_office(folder)
    with web_process(settings, log=folder / "web.log") as web:
        yield web, folder / "web.log", settings


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """``dondoc web`` trusting the proxy on 127.0.0.1 only."""
    folder = tmp_path_factory.mktemp("proxied")
    settings = with_office(folder)
    env = {"DONDOC_TRUSTED_PROXIES": "127.0.0.1"}
    with web_process(settings, env=env, log=folder / "web.log") as web:
        yield web, folder / "web.log", settings


def test_without_trusted_proxies_a_forwarded_address_is_ignored_everywhere(
    direct: Running,
) -> None:
    web, log, settings = direct
    assert sign_in(web.url, "127.0.0.1", "sai-mat-khau-000", FORGED).status_code == 401
    assert wait_for_line(log, "console_login_failed")["address"] == "127.0.0.1"
    assert sign_in(web.url, "127.0.0.1", PASSWORD, FORGED).status_code == 303
    assert wait_for_line(log, "console_login")["address"] == "127.0.0.1"
    assert FORGED not in session_addresses(settings)
    wait_for_line(log, "http_request", route="/login", method="POST", status=303)
    assert {line["client"] for line in log_lines(log, "http_request")} == {"127.0.0.1"}


def test_a_trusted_proxy_is_believed_and_a_client_beside_it_is_not(
    behind_proxy: Running,
) -> None:
    web, log, settings = behind_proxy
    # Through the proxy: the address it forwards is the client's.
    assert sign_in(web.url, "127.0.0.1", "sai-mat-khau-000", FORGED).status_code == 401
    assert wait_for_line(log, "console_login_failed")["address"] == FORGED
    assert sign_in(web.url, "127.0.0.1", PASSWORD, FORGED).status_code == 303
    assert FORGED in session_addresses(settings)
    # A client that prepends its own claim to what the proxy appends gains nothing: the
    # right-most address the proxy did not add is the client's.
    httpx.get(f"{web.url}/t/chuoi.gia", headers={"X-Forwarded-For": f"198.51.100.1, {FORGED}"})
    # Straight to the web from 127.0.0.2, not a proxy: its header is ignored.
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as client:
        client.get(f"{web.url}/admin/", headers={"X-Forwarded-For": "198.51.100.9"})
    wait_for_line(log, "http_request", client=FORGED, route="/t/{token}")
    wait_for_line(log, "http_request", client="127.0.0.2")
    clients = {line["client"] for line in log_lines(log, "http_request")}
    assert not {"198.51.100.1", "198.51.100.9"} & clients


async def test_a_header_that_changes_on_every_try_does_not_reset_the_link_throttle(
    settings: Settings,
) -> None:
    app = create_app(settings)
    app.state.temporal = DownClient()
    app.state.throttle = FailureThrottle(free=1, refuse_after=4, max_delay=0.01)
    # From 127.0.0.1, the one address uvicorn's own proxy_headers believes by default.
    async with served(app, settings) as url, client_at(url, "127.0.0.1") as guesser:
        codes = [
            (
                await guesser.get(
                    f"/t/khong-phai.ma-that-{i}", headers={"X-Forwarded-For": f"198.51.100.{i}"}
                )
            ).status_code
            for i in range(6)
        ]
    assert codes[:4] == [403, 403, 403, 403]
    assert codes[4:] == [429, 429]


async def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own(
    settings: Settings,
) -> None:
    trusting = settings.model_copy(update={"trusted_proxies": [ip_network("127.0.0.1")]})
    app = create_app(trusting)
    app.state.temporal = DownClient()
    app.state.throttle = FailureThrottle(free=1, refuse_after=4, max_delay=0.01)
    async with served(app, settings) as url, client_at(url, "127.0.0.1") as proxy:
        codes = [
            (
                await proxy.get(
                    f"/t/khong-phai.ma-that-{i}", headers={"X-Forwarded-For": f"198.51.100.{i}"}
                )
            ).status_code
            for i in range(6)
        ]
        # The proxy itself (no header) is one more client, refused once it failed enough.
        own = [(await proxy.get(f"/t/khong-phai.ma-that-{i}")).status_code for i in range(5)]
    assert codes == [403] * 6
    assert own[-1] == 429
