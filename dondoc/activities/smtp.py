"""Hand a message to the SMTP relay, telling a refusal that will last from one that may pass."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

import aiosmtplib

from dondoc.settings import Settings


class TransientMailError(RuntimeError):
    """The relay could not take the message now; the activity retries with backoff."""


@dataclass(frozen=True, slots=True)
class Refused:
    """The relay refused for good (5xx): a bounce to record, not to retry."""

    reason: str


async def deliver(settings: Settings, message: Message, recipients: list[str]) -> Refused | None:
    host, port = settings.smtp_target
    try:
        await aiosmtplib.send(
            message,
            recipients=recipients,
            hostname=host,
            port=port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls if not settings.smtp_tls else False,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as err:
        reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in err.recipients)
        if all(r.code >= 500 for r in err.recipients):
            return Refused(reasons)
        raise TransientMailError(reasons) from err
    except aiosmtplib.SMTPResponseException as err:
        if err.code >= 500 and err.code not in (421, 451):
            return Refused(f"{err.code} {err.message}")
        raise TransientMailError(f"{err.code} {err.message}") from err
    except (aiosmtplib.SMTPException, OSError) as err:
        raise TransientMailError(str(err) or type(err).__name__) from err
    return None
