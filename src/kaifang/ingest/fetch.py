"""SSRF-safe downloading of a harvested or officer-supplied URL to a temporary file.

Every hop (the URL and each redirect, at most ``max_redirects``) is validated: http/https only,
no credentials in the URL, an allowed port, no non-canonical numeric host, and every address
the host resolves to must pass ``netpolicy.blocked_reason``. The connection then goes to the
validated address itself (``PinnedTransport``), while the Host header, SNI and certificate
checks keep the original name, so DNS rebinding between check and connect is impossible.
Proxies from the environment are ignored. The body is streamed to disk under a byte cap and a
total time limit (connect, headers and body together).
"""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import httpcore
import httpx

from kaifang.ingest import netpolicy
from kaifang.ingest.options import GIB
from kaifang.ingest.problems import bad_request, human_bytes, invalid, shown, too_large

DEFAULT_PORTS = frozenset({80, 443, 8080, 8443})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Kaifang-Harvester/1.0"
_MAX_READ_WAIT = 15.0

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class FetchResult:
    """A downloaded body on disk and what is known about it."""

    path: Path
    url: str
    status: int
    content_type: str | None
    size: int
    sha256: str
    filename: str | None
    redirects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str
    port: int
    address: str


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the validated address whatever name httpcore asks for."""

    def __init__(self, host: str, address: str):
        self._host = host.lower()
        self._address = address
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if host.strip("[]").lower() != self._host:
            raise httpcore.ConnectError("connection to an unvalidated host refused")
        return self._inner.connect_tcp(
            self._address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are refused")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, stream: object, request: httpx.Request):
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream  # type: ignore[misc]
        except httpcore.TimeoutException as exc:
            raise httpx.ReadTimeout("read timed out", request=self._request) from exc
        except httpcore.NetworkError as exc:
            raise httpx.ReadError("read failed", request=self._request) from exc
        except httpcore.ProtocolError as exc:
            raise httpx.RemoteProtocolError("protocol error", request=self._request) from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport whose every connection goes to one pre-validated IP address."""

    def __init__(self, host: str, address: str, *, ssl_context: ssl.SSLContext | None = None):
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(),
            network_backend=_PinnedBackend(host, address),
            max_connections=1,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core_request)
        except httpcore.TimeoutException as exc:
            raise httpx.ConnectTimeout("timed out", request=request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            raise httpx.ConnectError("connection failed", request=request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CoreStream(response.stream, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def validate_url(
    url: str,
    *,
    allow_private: netpolicy.AllowPrivate = False,
    allowed_ports: Collection[int] | None = DEFAULT_PORTS,
    resolver: Resolver | None = None,
) -> _Target:
    """Check one URL against the SSRF policy; returns where to connect. InvalidInput/BadRequest."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise invalid(
            f"只允许 http 或 https 地址：{shown(url)}",
            f"only http and https URLs are allowed: {shown(url)}",
        )
    if parts.username or parts.password:
        raise invalid("地址中不能包含用户名或密码", "URLs must not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise invalid(f"地址缺少主机名：{shown(url)}", f"the URL has no host: {shown(url)}")
    decoded = netpolicy.encoded_ipv4(host)
    if decoded is not None:
        raise invalid(
            f"主机名“{shown(host)}”是非标准写法的 IP 地址（即 {decoded}），已拒绝",
            f"host {shown(host)!r} is an IP address in a non-standard form ({decoded}); refused",
        )
    try:
        parsed = httpx.URL(url.strip())
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except (httpx.InvalidURL, ValueError):
        raise invalid(f"地址格式错误：{shown(url)}", f"malformed URL: {shown(url)}") from None
    if allowed_ports is not None and port not in allowed_ports:
        raise invalid(f"不允许访问端口 {port}", f"port {port} is not allowed")
    name = parsed.raw_host.decode("ascii").strip("[]")
    return _Target(parsed, name, port, _checked_address(name, port, allow_private, resolver))


def _checked_address(
    host: str, port: int, allow_private: netpolicy.AllowPrivate, resolver: Resolver | None
) -> str:
    literal = netpolicy.literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = (resolver or netpolicy.resolve)(host, port)
        except (OSError, UnicodeError):
            raise bad_request(
                f"无法解析主机名“{shown(host)}”", f"cannot resolve host {shown(host)!r}"
            ) from None
    if not addresses:
        raise bad_request(f"无法解析主机名“{shown(host)}”", f"cannot resolve host {shown(host)!r}")
    for text in addresses:
        reason = netpolicy.blocked_reason(
            netpolicy.literal_address(text) or _refuse_odd(text), allow_private
        )
        if reason is not None:
            raise invalid(
                f"禁止访问“{shown(host)}”：解析到 {text}，属于{reason}",
                f"access to {shown(host)!r} refused: it resolves to {text}, a blocked address",
                address=text,
            )
    return addresses[0]


def _refuse_odd(text: str) -> netpolicy.IPAddress:
    raise invalid(
        f"解析结果不是 IP 地址：{shown(text)}",
        f"resolution returned a non-IP value {shown(text)!r}",
    )


def fetch_url(
    url: str,
    *,
    dest_dir: Path,
    max_bytes: int = 1 * GIB,
    timeout_seconds: float = 120.0,
    connect_timeout: float = 10.0,
    max_redirects: int = 5,
    allow_private: netpolicy.AllowPrivate = False,
    allowed_ports: Collection[int] | None = DEFAULT_PORTS,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
    trusted_hosts: Collection[str] = (),
) -> FetchResult:
    """Download ``url`` into a new file under ``dest_dir``; raises InvalidInput, BadRequest, TooLarge.

    ``allow_private`` must stay False for the public internet; pass True (tests) or a list of
    networks (an intranet deployment's sources) explicitly. ``trusted_hosts`` (``host`` or
    ``host:port``, set by an administrator) may resolve to private or loopback addresses and
    use their given port; every other host of every hop keeps the normal checks.
    """
    deadline = time.monotonic() + timeout_seconds
    current, redirects = url, list[str]()
    for _hop in range(max_redirects + 1):
        hop_private, hop_ports = _hop_rules(current, allow_private, allowed_ports, trusted_hosts)
        target = validate_url(
            current, allow_private=hop_private, allowed_ports=hop_ports, resolver=resolver
        )
        outcome = _request(target, deadline, connect_timeout, max_bytes, dest_dir, ssl_context)
        if isinstance(outcome, FetchResult):
            return replace(outcome, redirects=redirects)
        current = urljoin(str(target.url), outcome)
        redirects.append(current)
    raise bad_request(f"重定向超过 {max_redirects} 次", f"more than {max_redirects} redirects")


def _host_port(url: str) -> tuple[str, int | None] | None:
    """Lower-cased host and explicit port of ``url`` (or ``//host:port``); None when malformed."""
    try:
        parts = urlsplit(url.strip() if "//" in url else f"//{url.strip()}")
        return (parts.hostname or "").rstrip(".").lower(), parts.port
    except ValueError:
        return None


def _hop_rules(
    url: str,
    allow_private: netpolicy.AllowPrivate,
    allowed_ports: Collection[int] | None,
    trusted_hosts: Collection[str],
) -> tuple[netpolicy.AllowPrivate, Collection[int] | None]:
    """The address and port rules for one hop: relaxed only for an exactly trusted host."""
    hop = _host_port(url) if trusted_hosts else None
    if hop is None or not hop[0]:
        return allow_private, allowed_ports
    scheme_port = 443 if url.strip().lower().startswith("https:") else 80
    host, port = hop[0], hop[1] or scheme_port
    for entry in trusted_hosts:
        trusted = _host_port(entry)
        if trusted is None or trusted[0] != host or trusted[1] not in (None, port):
            continue
        if trusted[1] is None or allowed_ports is None:
            return True, allowed_ports  # a host named without a port keeps the port rules
        return True, {*allowed_ports, port}
    return allow_private, allowed_ports


def _timeout(deadline: float, connect_timeout: float) -> httpx.Timeout:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timed_out()
    return httpx.Timeout(
        connect=min(connect_timeout, left),
        read=min(_MAX_READ_WAIT, left),
        write=min(10.0, left),
        pool=min(5.0, left),
    )


def _timed_out() -> Exception:
    return bad_request(
        "下载超时，远程服务器响应过慢", "the download timed out; the remote server is too slow"
    )


def _request(
    target: _Target,
    deadline: float,
    connect_timeout: float,
    max_bytes: int,
    dest_dir: Path,
    ssl_context: ssl.SSLContext | None,
) -> FetchResult | str:
    transport = PinnedTransport(target.host, target.address, ssl_context=ssl_context)
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    client = httpx.Client(
        transport=transport,
        timeout=_timeout(deadline, connect_timeout),
        follow_redirects=False,
        trust_env=False,
    )
    try:
        with client, client.stream("GET", target.url, headers=headers) as response:
            return _handle(response, target, dest_dir, max_bytes, deadline)
    except httpx.TimeoutException:
        raise _timed_out() from None
    except httpx.HTTPError:
        raise bad_request(
            f"无法连接或读取“{target.host}”", f"cannot connect to or read from {target.host!r}"
        ) from None


def _handle(
    response: httpx.Response, target: _Target, dest_dir: Path, max_bytes: int, deadline: float
) -> FetchResult | str:
    """A redirect's Location, or the saved body of a 200 response."""
    if response.status_code in REDIRECT_CODES:
        location = response.headers.get("location")
        if not location:
            raise bad_request("重定向缺少目标地址", "a redirect without a Location header")
        return str(location)
    if response.status_code != 200:
        raise bad_request(
            f"远程服务器返回 HTTP {response.status_code}",
            f"the remote server answered HTTP {response.status_code}",
        )
    return _save(response, target, dest_dir, max_bytes, deadline)


def _save(
    response: httpx.Response, target: _Target, dest_dir: Path, max_bytes: int, deadline: float
) -> FetchResult:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(max_bytes)
    dest_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=dest_dir, prefix="fetch-", suffix=".part")
    path, size, digest = Path(name), 0, hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _too_big(max_bytes)
                if time.monotonic() > deadline:
                    raise _timed_out()
                out.write(chunk)
                digest.update(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FetchResult(
        path=path,
        url=str(target.url),
        status=response.status_code,
        content_type=response.headers.get("content-type"),
        size=size,
        sha256=digest.hexdigest(),
        filename=_filename(response.headers.get("content-disposition"), target.url.path),
    )


def _too_big(limit: int) -> Exception:
    return too_large(
        f"下载内容超过 {human_bytes(limit)} 上限",
        f"the download is larger than {human_bytes(limit)}",
    )


def _filename(disposition: str | None, url_path: str) -> str | None:
    """A safe base name from Content-Disposition (RFC 6266/2231) or the URL path."""
    name = None
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        name = message.get_filename()
    name = name or unquote(PurePosixPath(url_path).name)
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip(" .")
    return name[:200] or None
