"""Who a request comes from: the peer of the socket, or what a trusted proxy says it is.

``X-Forwarded-For`` is a header anyone can send. Believed from everyone (uvicorn's
``proxy_headers`` believes any client on 127.0.0.1 by default), it lets a client pick the
address the link and login throttles count, reset them at will, and write any address
into the log. So the app reads forwarded headers itself, and only from the proxies named
in ``DONDOC_TRUSTED_PROXIES`` (none by default): the server must pass the socket's peer
through untouched (``dondoc web`` and ``dondoc dev`` run uvicorn with
``proxy_headers=False``), and whatever server runs the app, the same rule holds.

The reading itself is uvicorn's ``ProxyHeadersMiddleware``: it takes the right-most
address of ``X-Forwarded-For`` that is not itself a trusted proxy (a client can prepend
what it likes; it cannot remove what our proxy appended) and ``X-Forwarded-Proto``.
Outermost in the stack (``dondoc.web.app``), so every reader of ``request.client`` — the
throttles, the console's session record, the request log — sees the same address.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from starlette.requests import Request
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

UNKNOWN = "unknown"


def behind_trusted_proxies(app: ASGIApp, proxies: list[IPv4Network | IPv6Network]) -> ASGIApp:
    """``app`` reading forwarded headers from ``proxies`` only; as it is when there are none."""
    if not proxies:
        return app
    return ProxyHeadersMiddleware(app, trusted_hosts=[str(net) for net in proxies])  # type: ignore[arg-type]


def client_address(request: Request) -> str:
    """The client's address as the app believes it (see the module's docstring)."""
    return request.client.host if request.client else UNKNOWN
