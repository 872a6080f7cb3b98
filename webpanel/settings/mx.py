"""Which provider runs an office's own domain, from its MX records (dnspython): Microsoft 365
(``*.mail.protection.outlook.com``) or Google Workspace (``aspmx.l.google.com``,
``smtp.google.com``). Known consumer domains come from the presets' list without a lookup;
no answer, no DNS or a slow one (a total deadline, MX_LOOKUP_TIMEOUT: 2 s) falls back to
that list.

DNS needs no byte budget of its own: one answer is one DNS message, at most 64 KB by the
protocol (dnspython reads UDP into a 65,535-byte buffer and TCP by the message's 2-byte
length), each try's answer is dropped before the next, and the lifetime bounds the tries."""

from __future__ import annotations

import dns.exception
import dns.resolver
from flask import current_app

from webpanel.settings import presets

MICROSOFT_SUFFIX = ".mail.protection.outlook.com"
GOOGLE_HOSTS = ("aspmx.l.google.com", "smtp.google.com")
MAX_LIFETIME = 5.0
DEFAULT_LIFETIME = 2.0  # MX_LOOKUP_TIMEOUT's default: the look-up answers within 2 s


def resolver(nameservers: list[str] | None = None, port: int = 53,
             lifetime: float = 3.0) -> dns.resolver.Resolver:
    """A resolver with a total deadline; ``nameservers`` (addresses) and ``port`` replace the
    system's settings when given (tests point it at their own server)."""
    if nameservers:
        made = dns.resolver.Resolver(configure=False)
        made.nameservers, made.port = list(nameservers), port
    else:
        made = dns.resolver.Resolver()
    made.lifetime = made.timeout = min(lifetime, MAX_LIFETIME)
    return made


def app_resolver() -> dns.resolver.Resolver:
    """The resolver for this app: ``DNS_NAMESERVERS``/``DNS_PORT`` if set, and
    MX_LOOKUP_TIMEOUT as the look-up's whole deadline (a person waits for the answer)."""
    config = current_app.config
    return resolver(config.get("DNS_NAMESERVERS"), int(config.get("DNS_PORT") or 53),
                    float(config.get("MX_LOOKUP_TIMEOUT") or DEFAULT_LIFETIME))


def domain_of(address: str) -> str:
    """The domain of an address, as looked up: "example.org"."""
    return address.rpartition("@")[2].strip().lower()


def worth_looking_up(address: str) -> bool:
    """Whether a look-up could tell more than the known providers' list: an address on a
    domain (with a dot) that is not a known provider's."""
    domain = domain_of(address)
    return "@" in address and "." in domain.strip(".") and presets.for_address(address) is None


def exchanges(domain: str, lookup: dns.resolver.Resolver) -> list[str]:
    """The domain's mail exchangers, lowest preference first; [] when DNS gives no answer."""
    try:
        answer = lookup.resolve(domain, "MX", search=False)
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return []
    ordered = sorted(answer, key=lambda r: r.preference)
    return [str(r.exchange).rstrip(".").lower() for r in ordered]


def provider_for(hosts: list[str]) -> presets.Preset | None:
    """Microsoft 365 or Google Workspace when the mail exchangers are theirs."""
    for host in hosts:
        if host.endswith(MICROSOFT_SUFFIX):
            return presets.MICROSOFT_365
        if any(host == g or host.endswith("." + g) for g in GOOGLE_HOSTS):
            return presets.GOOGLE_WORKSPACE
    return None


def recommend(address: str, lookup: dns.resolver.Resolver | None = None) -> presets.Preset | None:
    """The preset for an address: the known domains' list, else what its MX records say."""
    known = presets.for_address(address)
    if known is not None or not worth_looking_up(address):
        return known
    try:
        lookup = lookup or app_resolver()
    except dns.exception.DNSException:  # no resolver configured on this machine
        return None
    return provider_for(exchanges(domain_of(address), lookup))
