"""The relay as production has it: TLS (STARTTLS or implicit), a login, a private CA; and
what each kind of failure becomes — a bounce, a retry, or a configuration error."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope
from mail_cases import CASES_BY_NAME
from pydantic import SecretStr

from dondoc.activities.mailing import MailActivities
from dondoc.activities.message import Envelope, build_message
from dondoc.activities.smtp import (
    MailConfigurationError,
    Refused,
    TransientMailError,
    deliver,
)
from dondoc.devstack.net import free_port
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.outbox import list_for_task

USER, PASSWORD = "dondoc", "mật-khẩu-đúng"
FROM = "Đôn đốc – Văn phòng UBND tỉnh <dondoc@example.gov.vn>"

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI"),
    # aiosmtpd warns when AUTH is offered without STARTTLS, which is the point of port 465.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA and a server certificate for 127.0.0.1, made with the openssl CLI:
    the client verifies it as it would a real relay, only against this CA."""
    d = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", "ca.key",
        "-out", "ca.pem", "-subj", "/CN=Don doc test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")  # fmt: skip
    (d / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
    )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")  # fmt: skip
    return Pki(ca=d / "ca.pem", cert=d / "server.pem", key=d / "server.key")


@dataclass
class _Relay:
    """What the relay saw: the envelope, whether it was over TLS and after a login."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: SmtpEnvelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: SmtpEnvelope) -> str:
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                # STARTTLS sets session.ssl; an implicit-TLS session shows on the transport.
                "tls": session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                "authenticated": session.authenticated,
                "data": envelope.original_content or envelope.content,
            }
        )
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Session, envelope: SmtpEnvelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    relay: _Relay
    port: int


def _serve(pki: Pki, *, implicit: bool) -> Iterator[Server]:
    relay = _Relay()
    port = free_port()
    # aiosmtpd's auth_require_tls only knows STARTTLS; on an implicit-TLS port every
    # session is TLS already (the handler records it), so it is switched off there.
    tls: dict[str, Any] = (
        {"ssl_context": pki.server_context(), "auth_require_tls": False}
        if implicit
        else {"tls_context": pki.server_context(), "require_starttls": True}
    )
    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_required=True,
        **tls,
    )
    controller.start()
    try:
        yield Server(relay, port)
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(pki: Pki) -> Iterator[Server]:
    yield from _serve(pki, implicit=False)


@pytest.fixture
def tls_server(pki: Pki) -> Iterator[Server]:
    yield from _serve(pki, implicit=True)


def _settings(port: int, pki: Pki | None, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": True,
        "smtp_username": USER,
        "smtp_password": SecretStr(PASSWORD),
        "smtp_ca_file": pki.ca if pki else None,
        "smtp_timeout": 5.0,
        "mail_from": FROM,
    }
    values.update(changes)
    return Settings(**values)


def _message() -> Any:
    return build_message(
        Envelope(
            subject="[245/TB-UBND] Nhắc thời hạn: Tiếp thu ý kiến, hoàn thiện dự thảo Đề án",
            sender=FROM,
            to=[("Sở Ngoại vụ", "songoaivu@ubnd.test")],
            cc=[],
            reply_to="vanphong@ubnd.test",
            message_id="<test@example.gov.vn>",
            thread_root=None,
            date=datetime(2026, 10, 8, 1, 0, tzinfo=UTC),
            extra={},
        ),
        "Kính gửi: Sở Ngoại vụ",
        "<p>Kính gửi: Sở Ngoại vụ</p>",
    )


async def test_starttls_with_login_delivers(starttls_server: Server, pki: Pki) -> None:
    result = await deliver(
        _settings(starttls_server.port, pki), _message(), ["songoaivu@ubnd.test"]
    )
    assert result is None
    (got,) = starttls_server.relay.messages
    assert got["tls"] and got["authenticated"]
    assert got["from"] == "dondoc@example.gov.vn"  # the bare address, not the display name
    assert got["to"] == ["songoaivu@ubnd.test"]
    assert b"Reply-To: vanphong@ubnd.test" in got["data"]


async def test_implicit_tls_with_login_delivers(tls_server: Server, pki: Pki) -> None:
    settings = _settings(tls_server.port, pki, smtp_tls=True, smtp_starttls=False)
    assert await deliver(settings, _message(), ["songoaivu@ubnd.test"]) is None
    (got,) = tls_server.relay.messages
    assert got["tls"] and got["authenticated"]


async def test_an_untrusted_certificate_is_refused(starttls_server: Server) -> None:
    """Without the private CA the relay is a stranger: certificates are verified."""
    with pytest.raises(MailConfigurationError, match="DONDOC_SMTP_CA_FILE"):
        await deliver(_settings(starttls_server.port, None), _message(), ["songoaivu@ubnd.test"])
    with pytest.raises(MailConfigurationError, match="chứng chỉ"):
        await deliver(
            _settings(starttls_server.port, None, smtp_tls=False, smtp_starttls=True),
            _message(),
            ["songoaivu@ubnd.test"],
        )
    assert starttls_server.relay.messages == []


async def test_a_wrong_password_is_a_configuration_error_not_a_bounce(
    starttls_server: Server, pki: Pki
) -> None:
    settings = _settings(starttls_server.port, pki, smtp_password=SecretStr("sai"))
    with pytest.raises(MailConfigurationError, match=r"535.*DONDOC_SMTP_PASSWORD"):
        await deliver(settings, _message(), ["songoaivu@ubnd.test"])
    assert starttls_server.relay.messages == []


async def test_a_wrong_password_leaves_the_mail_pending_until_it_is_fixed(
    starttls_server: Server, pki: Pki, settings: Settings
) -> None:
    """The activity fails (Temporal retries it with backoff); no recipient is marked as a
    bounce, so the mail goes out once an operator corrects the password."""
    order = CASES_BY_NAME["reminder"].order
    smtp = {
        k: v
        for k, v in _settings(starttls_server.port, pki).model_dump().items()
        if k.startswith("smtp_")
    }
    wrong = settings.model_copy(update={**smtp, "smtp_password": SecretStr("sai")})
    with pytest.raises(MailConfigurationError):
        await MailActivities(wrong).send_mail(order)
    with session_scope(settings.database_url) as session:
        assert {r.status for r in list_for_task(session, order.spec.id)} == {"pending"}
    fixed = settings.model_copy(update=smtp)
    outcomes = await MailActivities(fixed).send_mail(order)
    assert [o.status for o in outcomes] == ["sent", "sent", "sent"]
    assert len(starttls_server.relay.messages) == 3


async def test_a_mailbox_refused_for_good_is_a_bounce(starttls_server: Server, pki: Pki) -> None:
    starttls_server.relay.refuse["sotaichinh@ubnd.test"] = "550 5.1.1 Mailbox does not exist"
    result = await deliver(
        _settings(starttls_server.port, pki), _message(), ["sotaichinh@ubnd.test"]
    )
    assert isinstance(result, Refused) and "550 5.1.1" in result.reason


async def test_one_refused_copy_does_not_undo_the_delivered_one(
    starttls_server: Server, pki: Pki
) -> None:
    starttls_server.relay.refuse["vanthu.sngv@ubnd.test"] = "550 5.1.1 Mailbox does not exist"
    result = await deliver(
        _settings(starttls_server.port, pki),
        _message(),
        ["songoaivu@ubnd.test", "vanthu.sngv@ubnd.test"],
    )
    assert result is None
    assert starttls_server.relay.messages[0]["to"] == ["songoaivu@ubnd.test"]


async def test_try_later_is_transient(starttls_server: Server, pki: Pki) -> None:
    starttls_server.relay.refuse["songoaivu@ubnd.test"] = "451 4.3.0 Try again later"
    with pytest.raises(TransientMailError, match="451"):
        await deliver(_settings(starttls_server.port, pki), _message(), ["songoaivu@ubnd.test"])


async def test_a_relay_that_is_down_is_transient() -> None:
    with pytest.raises(TransientMailError):
        await deliver(_settings(free_port(), None), _message(), ["songoaivu@ubnd.test"])


@pytest_asyncio.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that accepts the connection and never says a word."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_a_silent_relay_times_out_as_transient(silent_port: int) -> None:
    settings = _settings(silent_port, None, smtp_starttls=False, smtp_timeout=0.3)
    started = asyncio.get_running_loop().time()
    with pytest.raises(TransientMailError):
        await deliver(settings, _message(), ["songoaivu@ubnd.test"])
    assert asyncio.get_running_loop().time() - started < 3


async def test_starttls_asked_of_a_relay_without_it_is_a_configuration_error(mailbox) -> None:
    settings = _settings(mailbox.port, None, smtp_username=None, smtp_password=None)
    with pytest.raises(MailConfigurationError, match="DONDOC_SMTP_STARTTLS"):
        await deliver(settings, _message(), ["songoaivu@ubnd.test"])
