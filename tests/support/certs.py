"""Throwaway X.509 material for TLS tests: a private CA, server leaves, a self-signed cert.

Keys are EC P-256 (fast to generate). Certificates follow what strict verifiers
(``VERIFY_X509_STRICT``) expect: critical basic constraints, key usage, SKI/AKI.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Leaf", "TestCA", "self_signed_leaf"]

_VALIDITY = dt.timedelta(days=30)
_BACKDATE = dt.timedelta(days=1)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _san(hostnames: Iterable[str], ips: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    if not names:
        raise ValueError("a server certificate needs at least one hostname or IP")
    return x509.SubjectAlternativeName(names)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _leaf_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    san: x509.SubjectAlternativeName,
) -> x509.CertificateBuilder:
    return (
        _builder(subject, issuer, public_key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
    )


def _key_usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class Leaf:
    """A server certificate and its key, as PEM files."""

    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """A fresh server-side context serving this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _write_leaf(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> Leaf:
    directory.mkdir(parents=True, exist_ok=True)
    leaf = Leaf(cert_file=directory / f"{stem}.pem", key_file=directory / f"{stem}.key")
    leaf.cert_file.write_bytes(_cert_pem(cert))
    leaf.key_file.write_bytes(_key_pem(key))
    return leaf


class TestCA:
    """A private certificate authority; clients trust it through ``ca_file``."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self, ca_file: Path, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey
    ) -> None:
        self.ca_file = ca_file
        self.certificate = certificate
        self._key = key

    @classmethod
    def create(cls, directory: Path, name: str = "webpanel test CA") -> TestCA:
        """Make a new CA and write its certificate to ``directory/ca.pem``."""
        key = _new_key()
        subject = _name(name)
        cert = (
            _builder(subject, subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(digital_signature=False, cert_sign=True), critical=True)
            .sign(key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        ca_file = directory / "ca.pem"
        ca_file.write_bytes(_cert_pem(cert))
        return cls(ca_file, cert, key)

    def issue(
        self,
        directory: Path,
        hostnames: Iterable[str] = ("localhost",),
        ips: Iterable[str] = ("127.0.0.1",),
    ) -> Leaf:
        """Issue a server certificate for ``hostnames`` and ``ips`` (all in the SAN)."""
        hostnames, ips = tuple(hostnames), tuple(ips)
        key = _new_key()
        common_name = (*hostnames, *ips, "server")[0]
        ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        cert = (
            _leaf_builder(
                _name(common_name), self.certificate.subject, key.public_key(), _san(hostnames, ips)
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        return _write_leaf(directory, f"leaf-{cert.serial_number:x}", cert, key)

    def client_context(self) -> ssl.SSLContext:
        """A default client context (chain + host name checks) trusting only this CA."""
        return ssl.create_default_context(cafile=self.ca_file)


def self_signed_leaf(
    directory: Path,
    hostnames: Iterable[str] = ("localhost",),
    ips: Iterable[str] = ("127.0.0.1",),
) -> Leaf:
    """A self-signed server certificate that no CA vouches for."""
    hostnames, ips = tuple(hostnames), tuple(ips)
    key = _new_key()
    subject = _name(f"self-signed {(*hostnames, *ips, 'server')[0]}")
    cert = _leaf_builder(subject, subject, key.public_key(), _san(hostnames, ips)).sign(
        key, hashes.SHA256()
    )
    return _write_leaf(directory, f"self-signed-{cert.serial_number:x}", cert, key)
