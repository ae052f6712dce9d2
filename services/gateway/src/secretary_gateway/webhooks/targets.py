"""Where a webhook may be sent: never inward (loopback, private, link-local, metadata, cluster
names), checked when it is registered and again, after resolving its name, before each
delivery; the delivery then connects to the address that was checked, so a name that resolves
elsewhere a moment later (DNS rebinding) changes nothing."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

# cloud instance metadata services: refused even where private networks are allowed
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
# the only IPv6 addresses routed on the internet (global unicast); anything else is refused
GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# reserved inside it after Python's own table was written (documentation, RFC 9637)
UNROUTED_IN_GLOBAL_UNICAST = (ipaddress.ip_network("3fff::/20"),)
# NAT64 prefixes: the last 32 bits are the IPv4 address the translator reaches
NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# IPv4-compatible addresses (::a.b.c.d, deprecated): 96 zero bits, then the IPv4 address
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
INTERNAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".internal",
    ".svc",
    ".cluster.local",
    ".lan",
    ".home.arpa",
)


class UnsafeTarget(Exception):
    """A webhook URL the gateway will not send to, and why, in words for its owner."""


@dataclass(frozen=True)
class Target:
    """A webhook URL and the address, checked, that a delivery connects to."""

    url: httpx.URL
    address: IpAddress

    def request_url(self) -> httpx.URL:
        """The URL with the checked address in place of the name."""
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return self.url.copy_with(host=host)

    def host_header(self) -> str:
        default = {"http": 80, "https": 443}[self.url.scheme]
        port = self.url.port or default
        return self.url.host if port == default else f"{self.url.host}:{port}"


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


def embedded_ipv4(address: IpAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: IPv4-mapped, IPv4-compatible, 6to4,
    Teredo (server and client) and NAT64; none for an IPv4 address or a plain IPv6 one."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    last_32_bits = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in prefix for prefix in NAT64_PREFIXES):
        return [last_32_bits]
    if address in IPV4_COMPATIBLE and int(address) > 1:
        return [last_32_bits]
    return []


class TargetPolicy:
    def __init__(
        self,
        allow_http: bool = False,
        allowed_networks: Sequence[str] = (),
        resolver: Resolver = system_resolver,
    ) -> None:
        self.allow_http = allow_http
        self.allowed_networks: list[IpNetwork] = [
            ipaddress.ip_network(n, strict=False) for n in allowed_networks
        ]
        self.resolver = resolver

    def _allowed_private(self, address: IpAddress) -> bool:
        return any(address in network for network in self.allowed_networks)

    def check_address(self, address: IpAddress) -> None:
        carried = embedded_ipv4(address)
        # what a translator or tunnel would reach is what is judged
        for inner in carried:
            try:
                self.check_address(inner)
            except UnsafeTarget as unsafe:
                raise UnsafeTarget(f"{address} carries {inner}: {unsafe}") from unsafe
        if carried:
            return
        if address in METADATA_ADDRESSES:
            raise UnsafeTarget(f"{address} is a cloud metadata address")
        if self._allowed_private(address):
            return
        if address.is_multicast or address.is_unspecified:
            raise UnsafeTarget(f"{address} is not a host")
        routed = address.is_global and (
            address.version == 4
            or (
                address in GLOBAL_UNICAST
                and not any(address in n for n in UNROUTED_IN_GLOBAL_UNICAST)
            )
        )
        if address.is_loopback or address.is_link_local or not routed:
            raise UnsafeTarget(
                f"{address} is a loopback, link-local, private or otherwise not globally"
                " routed address (allow on-premises receivers with"
                " SECRETARY_WEBHOOK_ALLOWED_NETWORKS)"
            )

    def check_url(self, url: str) -> httpx.URL:
        """What can be told from the URL alone."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise UnsafeTarget(f"not a URL: {error}") from error
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise UnsafeTarget("a webhook URL is https://host/path")
        if parsed.scheme == "http" and not self.allow_http:
            raise UnsafeTarget("webhooks are sent over HTTPS only")
        if parsed.userinfo:
            raise UnsafeTarget("credentials in the URL are not accepted; check the signature")
        return parsed

    async def resolve(self, url: str) -> Target:
        """The URL and one of its addresses, after every address it resolves to passed
        (a name with one inward address among public ones is refused)."""
        parsed = self.check_url(url)
        host = parsed.host.lower().rstrip(".")
        try:
            literal: IpAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            try:
                found = await self.resolver(host, port)
            except OSError as error:
                raise UnsafeTarget(f"{host} does not resolve") from error
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            if not addresses:
                raise UnsafeTarget(f"{host} does not resolve")
            internal = "." not in host or host == "localhost" or host.endswith(INTERNAL_SUFFIXES)
            if internal and not all(self._allowed_private(a) for a in addresses):
                raise UnsafeTarget(f"{host} is an internal name")
        for address in addresses:
            self.check_address(address)
        return Target(parsed, addresses[0])
