"""The SSRF-safe fetcher against a loopback HTTP server."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kaifang.errors import BadRequest, InvalidInput, TooLarge
from kaifang.ingest.fetch import fetch_url, validate_url
from kaifang.ingest.netpolicy import blocked_reason

LOOPBACK = ["127.0.0.1/32"]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        routes = {
            "/data.csv": lambda: self._send(
                200,
                "名称,数量\n甲,1\n".encode(),
                {"Content-Disposition": "attachment; filename*=UTF-8''%E6%95%B0%E6%8D%AE.csv"},
            ),
            "/host": lambda: self._send(200, self.headers["Host"].encode()),
            "/hop": lambda: self._send(302, headers={"Location": "/data.csv"}),
            "/loop": lambda: self._send(302, headers={"Location": "/loop"}),
            "/to-private": lambda: self._send(
                302, headers={"Location": f"http://127.0.0.2:{port}/data.csv"}
            ),
            "/to-metadata": lambda: self._send(
                302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
            ),
            "/to-file": lambda: self._send(302, headers={"Location": "file:///etc/passwd"}),
            "/big": lambda: self._send(200, b"x", {"Content-Length": str(10**12)}),
            "/missing": lambda: self._send(404, b"no"),
        }
        if self.path in routes:
            routes[self.path]()
        elif self.path == "/endless":
            self._stream(lambda: b"x" * 65536, 0.0)
        elif self.path == "/slow":
            self._stream(lambda: b"x", 0.05)

    def _stream(self, chunk, pause: float) -> None:
        self.send_response(200)
        self.end_headers()
        try:
            while True:
                self.wfile.write(chunk())
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _fetch(url: str, tmp_path, **kwargs):
    kwargs.setdefault("allow_private", LOOPBACK)
    kwargs.setdefault("allowed_ports", None)
    return fetch_url(url, dest_dir=tmp_path, **kwargs)


def test_download_with_private_allowed(server, tmp_path):
    result = _fetch(f"{server}/data.csv", tmp_path)
    assert result.path.read_bytes() == "名称,数量\n甲,1\n".encode()
    assert result.filename == "数据.csv" and result.status == 200 and len(result.sha256) == 64
    assert result.path.parent == tmp_path


def test_default_refuses_loopback(server, tmp_path):
    with pytest.raises(InvalidInput, match="内网或回环地址"):
        fetch_url(f"{server}/data.csv", dest_dir=tmp_path, allowed_ports=None)


def test_pinned_address_keeps_the_host_header(server, tmp_path):
    port = server.rsplit(":", 1)[1]
    resolver = lambda host, port: ["127.0.0.1"]  # noqa: E731
    result = _fetch(f"http://data.example.test:{port}/host", tmp_path, resolver=resolver)
    assert result.path.read_text() == f"data.example.test:{port}"


def test_redirects_are_followed_and_rechecked(server, tmp_path):
    assert _fetch(f"{server}/hop", tmp_path).redirects == [f"{server}/data.csv"]
    with pytest.raises(InvalidInput, match=r"127\.0\.0\.2"):
        _fetch(f"{server}/to-private", tmp_path)
    with pytest.raises(InvalidInput, match="元数据"):
        _fetch(f"{server}/to-metadata", tmp_path, allow_private=True)
    with pytest.raises(InvalidInput, match="http 或 https"):
        _fetch(f"{server}/to-file", tmp_path)
    with pytest.raises(BadRequest, match="重定向超过 5 次"):
        _fetch(f"{server}/loop", tmp_path)


def test_size_limits(server, tmp_path):
    with pytest.raises(TooLarge):
        _fetch(f"{server}/big", tmp_path)
    with pytest.raises(TooLarge, match=r"1\.0 MB"):
        _fetch(f"{server}/endless", tmp_path, max_bytes=1024 * 1024)
    assert not list(tmp_path.glob("fetch-*"))


def test_slow_body_is_cut_by_the_time_limit(server, tmp_path):
    started = time.monotonic()
    with pytest.raises(BadRequest, match="超时"):
        _fetch(f"{server}/slow", tmp_path, timeout_seconds=1.0)
    assert time.monotonic() - started < 5
    assert not list(tmp_path.glob("fetch-*"))


def test_http_errors(server, tmp_path):
    with pytest.raises(BadRequest, match="HTTP 404"):
        _fetch(f"{server}/missing", tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0/",
    ],
)
def test_encoded_ipv4_hosts_are_refused(url):
    with pytest.raises(InvalidInput, match="非标准写法"):
        validate_url(url, allowed_ports=None)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[2002:c0a8:101::]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://240.0.0.1/",
        "http://[fe80::1]/",
    ],
)
def test_internal_addresses_are_refused(url):
    with pytest.raises(InvalidInput, match="禁止访问"):
        validate_url(url, allowed_ports=None)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://x/",
        "http://user:pw@example.com/",
        "http:///x",
    ],
)
def test_bad_urls_are_refused(url):
    with pytest.raises(InvalidInput):
        validate_url(url)


def test_ports_are_restricted_by_default():
    with pytest.raises(InvalidInput, match="端口 6379"):
        validate_url("http://example.com:6379/", resolver=lambda h, p: ["93.184.215.14"])


def test_any_bad_address_in_the_resolution_refuses():
    with pytest.raises(InvalidInput, match=r"10\.0\.0\.5"):
        validate_url("http://mixed.example/", resolver=lambda h, p: ["93.184.215.14", "10.0.0.5"])


def test_public_address_passes_and_metadata_never_does():
    target = validate_url(
        "https://data.example.gov.cn/a.csv", resolver=lambda h, p: ["93.184.215.14"]
    )
    assert (target.host, target.port, target.address) == (
        "data.example.gov.cn",
        443,
        "93.184.215.14",
    )
    assert blocked_reason(ipaddress.ip_address("64:ff9b::808:808")) is None
    assert blocked_reason(ipaddress.ip_address("169.254.169.254"), allow_private=True) is not None
    assert blocked_reason(ipaddress.ip_address("10.1.1.1"), allow_private=["10.0.0.0/8"]) is None
    assert (
        blocked_reason(ipaddress.ip_address("192.168.1.1"), allow_private=["10.0.0.0/8"])
        is not None
    )
