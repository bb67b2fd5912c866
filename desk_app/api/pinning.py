"""The desk server's certificate, pinned on the counter PC.

On first contact the client fetches the server's certificate and shows its SHA-256 fingerprint; once
the user (or IT, comparing it with what ``desk-server init`` printed) confirms it, the certificate is
kept and from then on it is the only one trusted for that server. Pinning replaces the host-name check,
so a self-signed certificate for an address that is only an IP works, and a look-alike server with
another certificate is refused before any password is sent. Each trusted server's certificate (public) is
kept as ``certificates/<host>-<port>.pem`` in the user config folder.
"""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from desk_app.errors import DatabaseUnavailableError, ValidationError
from desk_app.files import write_bytes_atomic
from desk_app.i18n import _
from desk_app.paths import user_config_dir

DEFAULT_PORT = 8443


@dataclass(frozen=True)
class ServerCertificate:
    pem: str

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate, as colon-separated upper-case hex pairs (as browsers show it)."""
        return fingerprint_of(self.pem)


def fingerprint_of(pem: str) -> str:
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def server_address(url: str) -> tuple[str, int]:
    """Host and port of an ``https://host[:port]`` address; anything else is a ValidationError."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(_("The desk server's address must look like https://server:8443."), "server_url")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise ValidationError(_("The desk server's address has an invalid port."), "server_url") from exc
    return parts.hostname, port


def normalise_url(url: str) -> str:
    host, port = server_address(url)
    shown = f"[{host}]" if ":" in host else host
    return f"https://{shown}:{port}"


def fetch_certificate(url: str, timeout: float = 10.0) -> ServerCertificate:
    """The certificate the server presents now (not yet trusted: the user confirms its fingerprint)."""
    host, port = server_address(url)
    try:
        pem = ssl.get_server_certificate((host, port), timeout=timeout)
    except (OSError, ssl.SSLError) as exc:
        raise DatabaseUnavailableError(_("The desk server {server} cannot be reached: {error}").format(
            server=normalise_url(url), error=exc.strerror or exc)) from exc
    return ServerCertificate(pem)


def pinned_context(certificate: ServerCertificate) -> ssl.SSLContext:
    """A TLS client context that trusts exactly this certificate and nothing else."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False  # the pin stands in for the name: only this certificate is trusted
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # a CA-issued leaf pinned on its own
    context.load_verify_locations(cadata=certificate.pem)
    return context


def certificate_file(url: str, folder: Path | None = None) -> Path:
    """Where the pinned certificate of the desk server at ``url`` is kept (one file per host and port)."""
    host, port = server_address(url)
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in host)
    return (folder or user_config_dir() / "certificates") / f"{safe}-{port}.pem"


def pinned_certificate(url: str, folder: Path | None = None) -> ServerCertificate | None:
    """The certificate this PC trusts for the desk server at ``url``, or None when none was confirmed yet."""
    path = certificate_file(url, folder)
    try:
        return ServerCertificate(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValidationError(_("The pinned certificate {path} cannot be read: {error}").format(
            path=path, error=exc)) from exc


def pin_certificate(url: str, certificate: ServerCertificate, folder: Path | None = None) -> Path:
    """Trust ``certificate`` (and only it) for the desk server at ``url`` from now on."""
    return write_bytes_atomic(certificate_file(url, folder), certificate.pem.encode("ascii"))
