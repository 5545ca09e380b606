"""Which network addresses a harvester may connect to (SSRF policy).

CPython 3.11.7's ``ipaddress`` calls ``64:ff9b::7f00:1`` (NAT64) and ``2002:7f00:1::`` (6to4)
global and ``::ffff:127.0.0.1`` not loopback (CVE-2024-4032), so IPv4 addresses embedded in
IPv6 forms are unwrapped and judged on their own. ``getaddrinfo`` accepts ``2130706433``,
``0x7f000001``, ``0177.0.0.1`` and ``127.1`` as 127.0.0.1; such non-canonical spellings are
refused before any lookup.

Refused always: cloud metadata endpoints, link-local, multicast, unspecified, broadcast and
reserved addresses. Refused unless ``allow_private`` says otherwise: loopback, private
(RFC 1918, ULA), carrier-grade NAT (100.64/10), documentation and other non-global ranges.
``allow_private`` is ``True`` (all of them, for tests and intranet deployments) or a list of
networks that are allowed (an intranet's data sources).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AllowPrivate = bool | Sequence[str]

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "fd00:ec2::254",
        "100.100.100.200",
        "169.254.0.23",
        "169.254.170.2",
    )
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_V4_COMPATIBLE = ipaddress.ip_network("::/96")
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by an IPv4-mapped, NAT64, 6to4, Teredo or compatible address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64) or (address in _V4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_reason(address: IPAddress, allow_private: AllowPrivate = False) -> str | None:
    """Why ``address`` is refused (bilingual), or None if it may be contacted."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            reason = blocked_reason(inner, allow_private)
            if reason is not None:
                return f"{reason}，内嵌于 {address}（embedded in {address}）"
            return None
    if address in METADATA_ADDRESSES:
        return "云服务元数据地址（cloud metadata address）"
    if address.is_link_local:
        return "链路本地地址（link-local address）"
    if address.is_multicast:
        return "组播地址（multicast address）"
    if address.is_unspecified or address == ipaddress.IPv4Address("255.255.255.255"):
        return "未指定或广播地址（unspecified or broadcast address）"
    if address.is_reserved:
        return "保留地址（reserved address）"
    internal = (
        address.is_loopback or address.is_private or address in _CGNAT or not address.is_global
    )
    if internal and not _allowed(address, allow_private):
        return "内网或回环地址（private, loopback or internal address）"
    return None


def _allowed(address: IPAddress, allow_private: AllowPrivate) -> bool:
    if allow_private is True:
        return True
    if not allow_private:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow_private)


def literal_address(host: str) -> IPAddress | None:
    """The address of an IP-literal host (``[::1]`` or ``10.0.0.1``), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def encoded_ipv4(host: str) -> str | None:
    """The dotted quad a non-canonical numeric host stands for (``0x7f000001`` → 127.0.0.1)."""
    if not _NUMERIC_HOST.match(host) or literal_address(host) is not None:
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``getaddrinfo``, TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
