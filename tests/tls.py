"""Servers of the test's own that speak TLS, as managed Redis and PostgreSQL do: a
self-signed certificate made here, a private redis-server and a private PostgreSQL cluster on
free ports (never the shared 6379 and 5432)."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def self_signed_certificate(folder: Path, name: str = "localhost") -> Certificate:
    """A certificate for localhost and 127.0.0.1 that signs itself, as a managed Redis's does:
    no CA a client trusts vouches for it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / f"{name}.crt", folder / f"{name}.key")
    paths.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    paths.key.chmod(0o600)
    return paths


@dataclass(frozen=True)
class TlsRedis:
    port: int
    certificate: Certificate

    def url(self, db: int = 0) -> str:
        return f"rediss://127.0.0.1:{self.port}/{db}"


@contextmanager
def tls_redis_server(folder: Path) -> Iterator[TlsRedis]:
    """redis-server listening only on a TLS port (plain TCP off), clients not asked for
    certificates, nothing kept on disk; stopped on exit."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (Debian: apt-get install redis-server)"
    certificate = self_signed_certificate(folder)
    port = free_port()
    log = folder / "redis.log"
    command = [
        binary,
        "--port", "0",
        "--tls-port", str(port),
        "--tls-cert-file", str(certificate.cert),
        "--tls-key-file", str(certificate.key),
        "--tls-ca-cert-file", str(certificate.cert),
        "--tls-auth-clients", "no",
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(folder),
        "--logfile", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = TlsRedis(port, certificate)
    try:
        _wait_for_tls(server, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_tls(server: TlsRedis, process: subprocess.Popen, log: Path) -> None:
    from redis import Redis

    deadline = time.monotonic() + 15
    while True:
        try:
            Redis.from_url(server.url() + "?ssl_cert_reqs=none", socket_timeout=1).ping()
            return
        except Exception:
            alive = process.poll() is None
            problem = log.read_text(errors="replace")[-2000:] if log.exists() else "no log"
            assert alive and time.monotonic() < deadline, problem
            time.sleep(0.1)


@contextmanager
def tls_postgres_server() -> Iterator[int]:
    """A private PostgreSQL cluster with ssl=on (self-signed certificate), trust auth, on a
    free port, run as the `postgres` user (PostgreSQL refuses root); its port. Removed on
    exit."""
    import glob
    import os
    import pwd
    import tempfile

    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert binaries, "PostgreSQL's server binaries are not installed (Debian: postgresql)"
    bin_dir = Path(binaries[-1]).parent
    owner = pwd.getpwnam("postgres")
    root = Path(tempfile.mkdtemp(prefix="yume-tls-pg-"))
    root.chmod(0o755)
    data = root / "data"
    port = free_port()

    def as_postgres(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    try:
        certificate = self_signed_certificate(root)
        for path in (root, certificate.cert, certificate.key):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        done = as_postgres(
            str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        assert done.returncode == 0, done.stdout + done.stderr
        options = (
            f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
            f"-c ssl=on -c ssl_cert_file={certificate.cert} -c ssl_key_file={certificate.key} "
            "-c fsync=off"
        )
        done = as_postgres(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
            "-w", "start",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        try:
            yield port
        finally:
            as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
