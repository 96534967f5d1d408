"""Hand a message to the SMTP relay, and say what a failure means for the mail.

Three outcomes besides success, because each asks for a different response:

* ``Refused`` — the relay refused these recipients or this message for good (5xx at
  RCPT or after DATA). Retrying cannot help; the outbox records a bounce, the office is told,
  and the task carries on.
* ``TransientMailError`` — the relay is down, slow or says "try later" (4xx, connection
  refused, timeout). The activity fails and Temporal retries it with backoff.
* ``MailConfigurationError`` — our side is wrong: the relay rejects our login (535), our
  sender address or the session itself (5xx to the greeting, EHLO or STARTTLS), its
  certificate does not verify, or it lacks the STARTTLS/AUTH that the settings ask for. Such a failure is not the recipient's doing, so it must not be
  recorded as a bounce (that would tell the office that every agency's address is wrong
  and drop mail that would go through once the password is fixed). The activity fails
  with a message naming the setting to check and keeps being retried with backoff, so
  nothing is lost: the mail leaves as soon as an operator corrects the configuration.

Connections use TLS with certificate verification (``DONDOC_SMTP_TLS`` for implicit TLS,
usually port 465; ``DONDOC_SMTP_STARTTLS`` to upgrade, usually port 587) against the
system's CA store, or ``DONDOC_SMTP_CA_FILE`` for a relay signed by a private CA.
Without either flag the connection stays plain, as the dev sink on loopback expects:
there is no opportunistic upgrade that could fail on an untrusted certificate unasked.
"""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass
from email.message import Message

import aiosmtplib
import structlog

from dondoc.activities.message import envelope_address
from dondoc.activities.relay_sessions import RelaySessions
from dondoc.settings import Settings

log = structlog.get_logger(__name__)


class TransientMailError(RuntimeError):
    """The relay could not take the message now; the activity retries with backoff."""


class MailConfigurationError(TransientMailError):
    """The relay will not take mail from us as configured; an operator must fix a setting.

    Raised (not returned) so the activity fails visibly and is retried until the
    configuration is fixed, instead of recording bounces that are not the recipient's.
    A subclass of ``TransientMailError`` because that is how every caller must treat it
    (nothing recorded against the recipient, try again later); its own type and message
    say that waiting alone will not cure it.
    """


@dataclass(frozen=True, slots=True)
class Refused:
    """The relay refused for good (5xx): a bounce to record, not to retry."""

    reason: str


def tls_context(settings: Settings) -> ssl.SSLContext:
    """A verifying client context: the system's CAs, or the deployment's own bundle."""
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)


def _certificate_problem(err: BaseException) -> ssl.SSLCertVerificationError | None:
    """The verification failure behind ``err``, however aiosmtplib wrapped it."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _config_error(settings: Settings, what: str) -> MailConfigurationError:
    host, port = settings.smtp_target
    log.error("smtp_configuration", host=host, port=port, problem=what)
    return MailConfigurationError(f"Máy chủ thư {host}:{port}: {what}")


async def open_session(settings: Settings) -> aiosmtplib.SMTP:
    """A connected SMTP session, step by step, so that a relay lacking what the settings
    ask (STARTTLS, AUTH) is reported as such rather than as a passing network failure."""
    host, port = settings.smtp_target
    starttls = settings.smtp_starttls and not settings.smtp_tls
    client = aiosmtplib.SMTP(
        hostname=host,
        port=port,
        use_tls=settings.smtp_tls,
        start_tls=False,
        tls_context=tls_context(settings) if settings.smtp_tls or starttls else None,
        timeout=settings.smtp_timeout,
    )
    await client.connect()
    try:
        if starttls:
            await client.ehlo()
            if not client.supports_extension("starttls"):
                raise _config_error(
                    settings,
                    "máy chủ không hỗ trợ STARTTLS; kiểm tra DONDOC_SMTP_STARTTLS, "
                    "DONDOC_SMTP_TLS và DONDOC_SMTP_PORT",
                )
            await client.starttls()
        if settings.smtp_username:
            await client.ehlo()
            if not client.supports_extension("auth"):
                raise _config_error(
                    settings,
                    "máy chủ không cho đăng nhập (không có AUTH, hoặc chỉ cho qua TLS); "
                    "kiểm tra DONDOC_SMTP_USERNAME, DONDOC_SMTP_STARTTLS và DONDOC_SMTP_TLS",
                )
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            await client.login(settings.smtp_username, password)
    except BaseException:
        client.close()
        raise
    return client


async def _transmit(
    settings: Settings,
    message: Message,
    recipients: list[str],
    sessions: RelaySessions | None,
) -> dict[str, aiosmtplib.SMTPResponse]:
    sender = envelope_address(settings.mail_from)
    if sessions is not None:
        return await sessions.send(message, sender, recipients)
    client = await open_session(settings)
    try:
        errors, _ = await client.send_message(message, sender=sender, recipients=recipients)
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await client.quit()
    finally:
        client.close()
    return errors


async def deliver(
    settings: Settings,
    message: Message,
    recipients: list[str],
    sessions: RelaySessions | None = None,
) -> Refused | None:
    """Send ``message`` to ``recipients``; None when the relay accepted it. With
    ``sessions`` the message goes over a session kept from the previous one.

    A relay that accepts some recipients and refuses others has delivered the message;
    the refused ones are logged (they are a mailbox's extra copies, e.g. a clerk's).
    """
    try:
        errors = await _transmit(settings, message, recipients, sessions)
    except aiosmtplib.SMTPAuthenticationError as err:
        if err.code < 500:
            raise TransientMailError(f"{err.code} {err.message}") from err
        raise _config_error(
            settings,
            f"từ chối đăng nhập ({err.code} {err.message}); kiểm tra DONDOC_SMTP_USERNAME "
            "và DONDOC_SMTP_PASSWORD",
        ) from err
    except aiosmtplib.SMTPSenderRefused as err:
        if err.code < 500:
            raise TransientMailError(f"{err.code} {err.message}") from err
        raise _config_error(
            settings,
            f"từ chối địa chỉ gửi {err.sender} ({err.code} {err.message}); kiểm tra "
            "DONDOC_MAIL_FROM",
        ) from err
    except aiosmtplib.SMTPRecipientsRefused as err:
        reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in err.recipients)
        if all(r.code >= 500 for r in err.recipients):
            return Refused(reasons)
        raise TransientMailError(reasons) from err
    except aiosmtplib.SMTPDataError as err:
        # The relay read the message and refused it (too large, content policy).
        if err.code >= 500:
            return Refused(f"{err.code} {err.message}")
        raise TransientMailError(f"{err.code} {err.message}") from err
    except aiosmtplib.SMTPResponseException as err:
        # Refused at the greeting, EHLO or STARTTLS: the relay will not talk to us as
        # configured, whoever the message is for.
        if err.code < 500:
            raise TransientMailError(f"{err.code} {err.message}") from err
        raise _config_error(
            settings,
            f"từ chối phiên gửi thư ({err.code} {err.message}); kiểm tra cấu hình DONDOC_SMTP_*",
        ) from err
    except (aiosmtplib.SMTPException, OSError) as err:
        problem = _certificate_problem(err)
        if problem is not None:
            raise _config_error(
                settings,
                f"chứng chỉ TLS không hợp lệ ({problem.verify_message}); kiểm tra "
                "DONDOC_SMTP_CA_FILE",
            ) from err
        raise TransientMailError(str(err) or type(err).__name__) from err
    if errors:
        log.warning(
            "mail_partly_refused",
            refused={r: f"{resp.code} {resp.message}" for r, resp in errors.items()},
        )
    return None
