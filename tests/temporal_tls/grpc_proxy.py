"""Debian's nginx as a TLS-terminating gRPC proxy in front of a Temporal dev server.

This is how a province puts TLS in front of its Temporal cluster when the cluster itself
speaks plain gRPC inside its network. The test starts its own nginx, on free loopback
ports, with its configuration, pid file, logs and temporary folders all inside a
temporary directory, and stops it afterwards; the system's nginx service is never used.

Three listeners, one per way of being let in:

- ``mtls``: the client must present a certificate signed by the deployment's CA
  (``ssl_verify_client on``);
- ``named``: server TLS only, with a certificate that names ``SERVER_NAME`` and not the
  address, so it verifies only when the client overrides the name it expects;
- ``api_key``: server TLS only, and every call must carry ``authorization: Bearer KEY``,
  otherwise the proxy answers as Temporal Cloud does, gRPC status 16 (UNAUTHENTICATED).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tls_pki import Pki

from dondoc.devstack.net import free_port

NGINX = "/usr/sbin/nginx"
START_TIMEOUT = 20.0

CONFIG = """\
# Written by the Temporal TLS tests; everything this nginx writes stays in {prefix}.
master_process off;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}

http {{
    # Who called what: the client certificate's subject and whether the API key matched.
    log_format calls '$server_port "$ssl_client_s_dn" key=$api_key_ok $request_uri $status';
    access_log {prefix}/access.log calls;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    # Temporal's long polls last about a minute; gRPC messages may exceed nginx's 1 MB.
    grpc_read_timeout 300s;
    grpc_send_timeout 300s;
    client_body_timeout 300s;
    client_max_body_size 0;

    map $http_authorization $api_key_ok {{
        default 0;
        "Bearer {api_key}" 1;
    }}

    server {{
        listen 127.0.0.1:{mtls_port} ssl http2;
        ssl_certificate {server_cert};
        ssl_certificate_key {server_key};
        ssl_client_certificate {ca};
        ssl_verify_client on;
        location / {{ grpc_pass grpc://{temporal}; }}
    }}

    server {{
        listen 127.0.0.1:{named_port} ssl http2;
        ssl_certificate {named_cert};
        ssl_certificate_key {named_key};
        location / {{ grpc_pass grpc://{temporal}; }}
    }}

    server {{
        listen 127.0.0.1:{api_key_port} ssl http2;
        ssl_certificate {server_cert};
        ssl_certificate_key {server_key};
        location / {{
            if ($api_key_ok = 0) {{
                add_header grpc-status 16 always;
                add_header grpc-message "missing or invalid API key" always;
                add_header content-type application/grpc always;
                return 200;
            }}
            grpc_pass grpc://{temporal};
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """Debian's nginx (``make install-nginx`` installs it), or None."""
    return NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")


@dataclass
class GrpcProxy:
    """A running nginx; ``*_address`` are the ``host:port`` strings a client dials."""

    process: subprocess.Popen[bytes]
    prefix: Path
    mtls_address: str
    named_address: str
    api_key_address: str

    def log(self) -> str:
        return (self.prefix / "error.log").read_text(errors="replace")

    def calls(self) -> list[str]:
        """One line per finished call: port, client certificate subject, key, method, status."""
        path = self.prefix / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_proxy(binary: str, prefix: Path, pki: Pki, temporal: str, api_key: str) -> GrpcProxy:
    prefix.mkdir(parents=True, exist_ok=True)
    ports = {"mtls_port": free_port(), "named_port": free_port(), "api_key_port": free_port()}
    config = prefix / "nginx.conf"
    config.write_text(
        CONFIG.format(
            prefix=prefix,
            temporal=temporal,
            api_key=api_key,
            ca=pki.ca,
            server_cert=pki.server.cert,
            server_key=pki.server.key,
            named_cert=pki.named_server.cert,
            named_key=pki.named_server.key,
            **ports,
        )
    )
    # -e: the error log before the configuration is read, otherwise /var/log/nginx/.
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = GrpcProxy(
        process,
        prefix,
        mtls_address=f"127.0.0.1:{ports['mtls_port']}",
        named_address=f"127.0.0.1:{ports['named_port']}",
        api_key_address=f"127.0.0.1:{ports['api_key_port']}",
    )
    deadline = time.monotonic() + START_TIMEOUT
    while not all(_listening(port) for port in ports.values()):
        if process.poll() is not None or time.monotonic() > deadline:
            proxy.stop()
            raise RuntimeError(f"nginx did not start:\n{proxy.log()}")
        time.sleep(0.05)
    return proxy
