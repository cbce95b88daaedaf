"""`up --secure`: what a SASL_SSL (SCRAM-SHA-512) Kafka needs, made once and cached under <stack>/kafka/.

- ``tls/``: a private CA and a broker certificate (EC P-256, SAN ``127.0.0.1`` and ``localhost``), made with
  openssl; the broker's key and chain as a PKCS#12 keystore, the CA as the PEM every client trusts;
- ``secrets.json`` (0600): the SCRAM passwords of the broker's own user (inter-broker) and of the stack's client
  user, and the keystore password;
- ``client.properties`` (0600): the client settings (librdkafka names; the job translates them for Java).

Secrets are never on a command line: openssl reads the keystore password from a file, and the SCRAM
credentials reach ``kafka-storage format --add-scram`` through a java @argfile (0600, deleted after use),
which the JVM launcher expands itself, so /proc/<pid>/cmdline shows only ``java @file``.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import StackError

MECHANISM = "SCRAM-SHA-512"
BROKER_USER = "broker"
CLIENT_USER = "tweetics"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (created 0600, never briefly wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    tmp.replace(path)


@dataclass(frozen=True)
class Material:
    """Paths and secrets of a secured stack (``kafka_dir``: <stack>/kafka)."""

    kafka_dir: Path
    broker_password: str
    client_password: str
    keystore_password: str

    @property
    def ca(self) -> Path:
        return self.kafka_dir / "tls" / "ca.pem"

    @property
    def keystore(self) -> Path:
        return self.kafka_dir / "tls" / "broker.p12"

    @property
    def client_properties(self) -> Path:
        return self.kafka_dir / "client.properties"

    def client_config(self) -> dict[str, str]:
        """librdkafka settings of the stack's client user (what client.properties holds)."""
        return {"security.protocol": "SASL_SSL", "sasl.mechanism": MECHANISM, "sasl.username": CLIENT_USER,
                "sasl.password": self.client_password, "ssl.ca.location": str(self.ca)}

    def broker_properties(self) -> dict[str, str]:
        """server.properties entries for a SASL_SSL listener named SASL_SSL (also the inter-broker one)."""
        jaas = (f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{BROKER_USER}" '
                f'password="{self.broker_password}";')
        return {
            "sasl.enabled.mechanisms": MECHANISM,
            "sasl.mechanism.inter.broker.protocol": MECHANISM,
            f"listener.name.sasl_ssl.{MECHANISM.lower()}.sasl.jaas.config": jaas,
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.keystore),
            "ssl.keystore.password": self.keystore_password,
            "ssl.key.password": self.keystore_password,
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca),
            "ssl.client.auth": "none",
        }

    def scram_args(self) -> list[str]:
        """``--add-scram`` arguments for kafka-storage format (secrets: only ever through an @argfile)."""
        return ["--add-scram", f"{MECHANISM}=[name={BROKER_USER},password={self.broker_password}]",
                "--add-scram", f"{MECHANISM}=[name={CLIENT_USER},password={self.client_password}]"]


def _openssl(*args: str, cwd: Path) -> None:
    try:
        proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise StackError("--secure needs openssl on PATH (to make the stack's CA and broker certificate)") from None
    if proc.returncode != 0:
        raise StackError(f"openssl {args[0]} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")


def _make_certificates(tls: Path, keystore_password: str) -> None:
    """A CA and a broker certificate signed by it, for 127.0.0.1/localhost, plus the PKCS#12 keystore."""
    tls.mkdir(parents=True, exist_ok=True)
    os.chmod(tls, 0o700)
    write_private(tls / "keystore.pass", keystore_password + "\n")
    write_private(tls / "san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                   "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
             "-subj", "/CN=tweetics local stack CA", cwd=tls)
    _openssl("req", *ec, "-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=localhost", cwd=tls)
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "broker.pem", "-days", "825", "-extfile", "san.ext", cwd=tls)
    _openssl("pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key", "-certfile", "ca.pem",
             "-name", "broker", "-out", "broker.p12.tmp", "-passout", "file:keystore.pass", cwd=tls)
    for name in ("ca.key", "broker.key", "broker.p12.tmp"):
        os.chmod(tls / name, 0o600)
    (tls / "broker.p12.tmp").replace(tls / "broker.p12")
    for name in ("broker.csr", "keystore.pass", "san.ext"):
        (tls / name).unlink(missing_ok=True)


def prepare(kafka_dir: Path) -> Material:
    """The cached material of this stack, made on first use; writes client.properties every time."""
    secrets_file = kafka_dir / "secrets.json"
    try:
        saved = json.loads(secrets_file.read_text())
        material = Material(kafka_dir, saved["broker_password"], saved["client_password"], saved["keystore_password"])
    except (OSError, ValueError, KeyError, TypeError):
        # Hex passwords: no character that a properties file, a JAAS line or --add-scram would need to quote.
        material = Material(kafka_dir, secrets.token_hex(24), secrets.token_hex(24), secrets.token_hex(24))
        write_private(secrets_file, json.dumps({"broker_password": material.broker_password,
                                                "client_password": material.client_password,
                                                "keystore_password": material.keystore_password}))
        (kafka_dir / "tls" / "broker.p12").unlink(missing_ok=True)
    if not material.keystore.exists() or not material.ca.exists():
        _make_certificates(kafka_dir / "tls", material.keystore_password)
    write_private(material.client_properties,
                  "# Written by the tweetics local stack (up --secure). Secret: keep it 0600, never in argv or env.\n"
                  + "".join(f"{k}={v}\n" for k, v in material.client_config().items()))
    return material


def run_java_with_argfile(java: str, args: list[str], argfile: Path) -> subprocess.CompletedProcess:
    """Run ``java @argfile`` with ``args`` written to a 0600 file, deleted afterwards (keeps them off argv)."""
    for a in args:
        if '"' in a or "\\" in a or "\n" in a:
            raise StackError(f"cannot pass an argument with a quote, backslash or newline to java: {argfile.name}")
    # In a java @argfile an argument holding spaces (a path) is written in double quotes.
    write_private(argfile, "".join((f'"{a}"' if " " in a or "\t" in a else a) + "\n" for a in args))
    try:
        return subprocess.run([java, f"@{argfile}"], capture_output=True, text=True)
    finally:
        argfile.unlink(missing_ok=True)
