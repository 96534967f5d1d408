"""The Temporal client every edge uses: the pydantic data converter, TLS, mTLS, API keys.

A failure to connect is turned into :class:`TemporalUnreachable`, whose message says in
Vietnamese what went wrong and which setting to look at; the SDK's own text is kept as
``detail`` for logs and for whoever reads further.
"""

from __future__ import annotations

import re

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from dondoc.secret_files import read_error
from dondoc.settings import Settings, variable

# Set once this process has made a client; the CLI then skips interpreter teardown, where
# the SDK's Rust threads can abort a short-lived process (temporalio/sdk-python#300).
connected = False


class TemporalUnreachable(RuntimeError):
    """No client could be made; ``str()`` is for people, ``detail`` is the SDK's text.

    A ``RuntimeError`` like the SDK's own connection error, so code that already treats
    that as "Temporal is down, try later" keeps doing so.
    """

    def __init__(self, address: str, reason: str, detail: str = "") -> None:
        self.address, self.reason, self.detail = address, reason, detail
        super().__init__(f"không kết nối được Temporal tại {address}: {reason}")


async def connect(settings: Settings) -> Client:
    global connected
    tls = tls_config(settings)
    api_key = settings.temporal_api_key
    connected = True
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=pydantic_data_converter,
            tls=tls,
            api_key=api_key.get_secret_value() if api_key is not None else None,
        )
    except RuntimeError as err:
        raise TemporalUnreachable(
            settings.temporal_address, explain(str(err), settings), str(err)
        ) from err


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The SDK's TLS settings: off, on with the system's roots, or with our files."""
    if not settings.temporal_uses_tls:
        return False
    files = {
        field: _read(settings, field)
        for field in ("temporal_tls_ca_file", "temporal_tls_cert_file", "temporal_tls_key_file")
    }
    if not any(files.values()) and settings.temporal_tls_server_name is None:
        return True
    return TLSConfig(
        server_root_ca_cert=files["temporal_tls_ca_file"],
        client_cert=files["temporal_tls_cert_file"],
        client_private_key=files["temporal_tls_key_file"],
        domain=settings.temporal_tls_server_name,
    )


def _read(settings: Settings, field: str) -> bytes | None:
    path = getattr(settings, field)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as err:
        raise TemporalUnreachable(
            settings.temporal_address,
            f"không đọc được tệp {path} ({read_error(err)}; {variable(field)})",
            str(err),
        ) from err


# --------------------------------------------------------------------- explanations
#
# The patterns below are the wording of the SDK's Rust core (tonic, hyper, rustls) as it
# reports each failure; tests/temporal_tls reproduces each against a real proxy.

_CLIENT_CERT_ALERTS = re.compile(
    r"alert: (BadCertificate|UnknownCA|CertificateUnknown|CertificateExpired|"
    r"CertificateRevoked|UnsupportedCertificate|AccessDenied|DecryptError)"
)
_CLOSED = ("UnexpectedEof", "connection closed", "ConnectionReset", "BrokenPipe")
_PRESENTED_NAMES = re.compile(r'(?:DnsName|IpAddress)\(\\?"?([^"\\)]+)')


def explain(detail: str, settings: Settings) -> str:
    """Why the SDK could not connect, in words that point at the setting to change."""
    tls = settings.temporal_uses_tls
    sent_cert = settings.temporal_tls_cert_file is not None
    ca_hint = f"kiểm tra {variable('temporal_tls_ca_file')}"
    cert_hint = f"kiểm tra {variable('temporal_tls_cert_file')}"
    needs_cert = (
        "máy chủ yêu cầu chứng chỉ máy khách (đặt "
        f"{variable('temporal_tls_cert_file')} và {variable('temporal_tls_key_file')})"
    )
    refused_cert = (
        f"chứng chỉ máy khách bị từ chối ({cert_hint}: máy chủ không tin CA đã ký nó, "
        "hoặc chứng chỉ đã hết hạn)"
    )
    if "ConnectionRefused" in detail or "Connection refused" in detail:
        return (
            "không có máy chủ nào nhận kết nối ở địa chỉ này (kiểm tra "
            f"{variable('temporal_address')} và máy chủ Temporal đã chạy chưa)"
        )
    if "dns error" in detail or "failed to lookup address" in detail:
        return f"không tìm thấy tên máy chủ (kiểm tra {variable('temporal_address')})"
    if "NotValidForName" in detail:
        names = ", ".join(_PRESENTED_NAMES.findall(detail.split("presented", 1)[-1]))
        carried = f" (chứng chỉ mang tên: {names})" if names else ""
        return (
            "chứng chỉ máy chủ không mang tên máy chủ đang kết nối"
            f"{carried}; đặt {variable('temporal_tls_server_name')} là tên trên chứng chỉ"
        )
    if "InvalidCertificate(Expired" in detail:
        return "chứng chỉ máy chủ đã hết hạn"
    if "InvalidCertificate" in detail:
        return f"không xác minh được chứng chỉ máy chủ ({ca_hint})"
    if "alert: CertificateRequired" in detail:
        return needs_cert
    if _CLIENT_CERT_ALERTS.search(detail):
        return refused_cert if sent_cert else needs_cert
    if tls and "400 Bad Request" in detail:
        # A TLS-terminating proxy (nginx's ssl_verify_client) answers HTTP 400 instead of
        # failing the handshake; the client knows whether it sent a certificate.
        return refused_cert if sent_cert else needs_cert
    if tls and ("InvalidContentType" in detail or "CorruptMessage" in detail):
        return (
            f"máy chủ ở địa chỉ này không dùng TLS (bỏ {variable('temporal_tls')} và các "
            f"biến TLS, hoặc kiểm tra {variable('temporal_address')})"
        )
    closed = any(word in detail for word in _CLOSED)
    if not tls and (closed or "FRAME_SIZE_ERROR" in detail or "h2 protocol error" in detail):
        # A TLS port answers a plain HTTP/2 preface with garbage or by hanging up.
        return (
            f"máy chủ đóng kết nối ngay, có vẻ nó yêu cầu TLS (đặt {variable('temporal_tls')}=true)"
        )
    if "Unauthenticated" in detail:
        if settings.temporal_api_key is not None:
            return f"khoá API bị từ chối (kiểm tra {variable('temporal_api_key')})"
        return (
            f"máy chủ yêu cầu xác thực (đặt {variable('temporal_api_key')} "
            "hoặc chứng chỉ máy khách)"
        )
    if "PermissionDenied" in detail:
        return (
            f"không có quyền truy cập namespace «{settings.temporal_namespace}» (kiểm tra "
            f"{variable('temporal_namespace')} và quyền của khoá API hoặc chứng chỉ)"
        )
    if tls and closed:
        return (
            "máy chủ đóng kết nối ngay sau khi bắt tay TLS (có thể nó yêu cầu chứng chỉ "
            f"máy khách hoặc từ chối chứng chỉ đã gửi; {cert_hint})"
        )
    if "timed out" in detail or "Timeout" in detail:
        return "máy chủ không trả lời kịp"
    return f"lỗi chưa rõ nguyên nhân ({detail})"
