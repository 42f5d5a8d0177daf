"""A private CA and a server certificate for 127.0.0.1/localhost, kept in the state dir so that
clients configured with `<state-dir>/ca.pem` keep trusting restarts."""

from __future__ import annotations

import os
from pathlib import Path

import trustme

FILES = ("ca.pem", "ca.key", "server.pem", "server.key")


def ensure_certificates(state_dir: Path) -> tuple[Path, Path]:
    """Returns (server certificate chain, server key); ca.pem is written last so its presence
    means everything is in place."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ca_pem, ca_key, cert, key = (state_dir / f for f in FILES)
    if all(p.exists() for p in (ca_pem, ca_key, cert, key)):
        return cert, key
    if ca_pem.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_pem.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="vmss-bluegreen ARM emulator")
    server = ca.issue_cert("127.0.0.1", "localhost", "::1")
    _write(cert, b"".join(blob.bytes() for blob in server.cert_chain_pems))
    _write(key, server.private_key_pem.bytes(), private=True)
    _write(ca_key, ca.private_key_pem.bytes(), private=True)
    _write(ca_pem, ca.cert_pem.bytes())
    return cert, key


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    if private:
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
