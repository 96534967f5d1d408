"""Certificates for the TLS tests, made with the openssl CLI into a temporary folder.

Two unrelated authorities: the deployment's private CA, which signs the proxy's server
certificates and the worker's client certificate, and another CA whose client
certificate the proxy must refuse and whose root must not verify the proxy.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVER_NAME = "temporal.dondoc.test"
DAYS = "2"
# ECDSA P-256: accepted by nginx and by the SDK's rustls, and made in milliseconds.
NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca: Path
    server: Pair
    """For 127.0.0.1 and localhost."""
    named_server: Pair
    """For SERVER_NAME only: reached at 127.0.0.1 it verifies only with a name override."""
    client: Pair
    other_ca: Path
    other_client: Pair
    """A client certificate the deployment's CA never signed."""
    not_pem: Path
    """A file that is no certificate at all."""


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)


def _authority(folder: Path, name: str, subject: str) -> Path:
    _openssl(
        folder, "req", "-x509", *NEW_KEY, "-days", DAYS,
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", subject,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return folder / f"{name}.pem"


def _leaf(folder: Path, name: str, ca: str, subject: str, extensions: str) -> Pair:
    _openssl(folder, "req", *NEW_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", subject)  # fmt: skip
    (folder / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        + extensions
    )
    _openssl(
        folder, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-days", DAYS, "-extfile", f"{name}.ext", "-out", f"{name}.pem",
    )  # fmt: skip
    return Pair(folder / f"{name}.pem", folder / f"{name}.key")


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca = _authority(folder, "ca", "/O=Dondoc tests/CN=Dondoc test CA")
    other_ca = _authority(folder, "other-ca", "/O=Somebody else/CN=Other CA")
    server_auth = "extendedKeyUsage=serverAuth\n"
    client_auth = "extendedKeyUsage=clientAuth\n"
    named = f"{server_auth}subjectAltName=DNS:{SERVER_NAME}\n"
    by_address = f"{server_auth}subjectAltName=IP:127.0.0.1,DNS:localhost\n"
    not_pem = folder / "not-a-certificate.pem"
    not_pem.write_text("this is not a certificate\n")
    return Pki(
        ca=ca,
        server=_leaf(folder, "server", "ca", "/CN=127.0.0.1", by_address),
        named_server=_leaf(folder, "named-server", "ca", f"/CN={SERVER_NAME}", named),
        client=_leaf(folder, "client", "ca", "/CN=dondoc-worker", client_auth),
        other_ca=other_ca,
        other_client=_leaf(folder, "other-client", "other-ca", "/CN=intruder", client_auth),
        not_pem=not_pem,
    )
