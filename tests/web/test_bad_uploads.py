"""Every bad input of the ingest issue, through the API: a failed job (or a 4xx) with a precise
reason, and the previous version still serving. The engine-level tests in tests/ingest cover
the same inputs in more detail; these prove the whole path from upload to serving."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.config import Settings
from tests.ingest.test_spreadsheet import _inline, _raw_xlsx
from tests.web.test_data_api import _setup, _upload

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _zip(members: dict[str, bytes], *, names: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo((names or {}).get(name, name))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet("数据").write_row(0, 0, ["名称", "数量"])
    book.close()
    return buf.getvalue()


def _raw(tmp: Path, body: str, shared: str | None = None) -> bytes:
    return _raw_xlsx(tmp / "raw.xlsx", body, shared).read_bytes()


def _laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE z [{entities}]><z><a>&lol9;</a></z>'.encode()


def _nested() -> bytes:
    return _zip({"inner.zip": _zip({"a.csv": b"x\n1\n"})})


BAD_FILES: dict[str, tuple[str, Callable[[Path], bytes], str]] = {
    "empty": ("t.csv", lambda _: b"", "文件为空"),
    "header_only": ("t.csv", lambda _: "名称,数量\n".encode(), "只有表头"),
    "unterminated_quote": ("t.csv", lambda _: b'a,b\n1,2\n3,"4\n5,6\n', "第 3 行的引号没有闭合"),
    "ragged_rows": ("t.csv", lambda _: b"a,b\n1,2\n1,2,3\n4,5,6\n7,8,9\n", "无法导入"),
    "nul_bytes": ("t.csv", lambda _: b"a,b\n1,2\n3,4\x005\n", "NUL"),
    "wide_header": (
        "t.csv",
        lambda _: (
            ",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n"
        ).encode(),
        "100000 列",
    ),
    "ten_mb_field": ("t.csv", lambda _: b"a,b\n1,2\n3," + b"x" * 10_000_000 + b"\n", "第 3 行"),
    "mixed_encodings": (
        "t.csv",
        lambda _: "名称,数量\n甲,1\n乙,2\n".encode() + "丙,3\n".encode("gbk"),
        "第 4 行",
    ),
    "corrupt_xlsx": ("t.xlsx", lambda _: _xlsx_bytes()[:2000], "损坏"),
    "huge_shared_strings": (
        "t.xlsx",
        lambda tmp: _raw(
            tmp,
            '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>',
            f'<sst {_NS} count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>',
        ),
        "共享字符串",
    ),
    "huge_dimension": (
        "t.xlsx",
        lambda tmp: _raw(
            tmp,
            f'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{_inline("A1", "a")}</row>'
            f'<row r="1048576">{_inline("XFD1048576", "b")}</row></sheetData>',
        ),
        "1048576 行 × 16384 列",
    ),
    "external_entity": (
        "t.xml",
        lambda _: (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<r><a>&x;</a></r>"
        ),
        "DTD",
    ),
    "entity_expansion": ("t.xml", lambda _: _laughs(), "DTD"),
    "zip_ratio_bomb": ("t.zip", lambda _: _zip({"big.csv": b"a\n" + b"0" * 50_000_000}), "压缩比"),
    "zip_nested": ("t.zip", lambda _: _nested(), "嵌套"),
    "zip_slip": (
        "t.zip",
        lambda _: _zip({"a": b"x\n1\n"}, names={"a": "../../etc/passwd.csv"}),
        "不安全",
    ),
}


def _serves_version_one(client: TestClient, headers: dict[str, str], ds_id: int) -> None:
    rows = client.get(f"/api/v1/datasets/{ds_id}/rows", headers=headers).json()
    assert rows["version"] == 1 and len(rows["rows"]) == 3


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_fails_its_job_and_the_previous_version_serves(
    client: TestClient, session: Session, tmp_path: Path, case: str
) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    rid = client.get(f"/api/v1/datasets/{ds_id}", headers=officer).json()["resources"][0]["id"]
    filename, build, reason = BAD_FILES[case]
    r = client.post(
        f"/api/v1/datasets/{ds_id}/resources",
        files={"file": (filename, build(tmp_path), "application/octet-stream")},
        data={"resource_id": str(rid)},
        headers=officer,
    )
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/jobs/{r.json()['job_id']}", headers=officer).json()
    assert job["status"] == "failed", job
    assert reason in job["error"], job["error"]
    assert "Traceback" not in job["error"] and str(tmp_path) not in job["error"]
    _serves_version_one(client, officer, ds_id)


# --- URLs: private addresses, redirects to them, slow and endless bodies ----------------------


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{port}/x.csv")
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        pause, chunk = (0.05, b"x") if self.path == "/slow" else (0.0, b"x" * 65536)
        try:
            while True:
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(pause)
        except OSError:
            return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An intranet deployment that may fetch from 127.0.0.1 only, with tight limits."""
    return settings.model_copy(
        update={
            "fetch_allow_networks": ["127.0.0.1/32"],
            "fetch_allow_any_port": True,
            "fetch_timeout_seconds": 1.0,
            "max_upload_bytes": 16 * 1024 * 1024,
        }
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("http://10.0.0.8/data.csv", "内网或回环地址"),
        ("http://0x7f000002/data.csv", "非标准写法"),  # 127.0.0.2 in hex: not allowed
        ("http://169.254.169.254/latest/meta-data/", "元数据"),
        ("{server}/to-private", "127.0.0.2"),
        ("{server}/slow", "超时"),
        ("{server}/endless", "16.0 MB"),
    ],
)
def test_bad_url_fails_its_job_and_the_previous_version_serves(
    client: TestClient, session: Session, server: str, path: str, reason: str
) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    url = path.format(server=server)
    r = client.post(
        f"/api/v1/datasets/{ds_id}/resources/url",
        json={"name": "远程", "url": url},
        headers=officer,
    )
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/jobs/{r.json()['job_id']}", headers=officer).json()
    assert job["status"] == "failed" and reason in job["error"], job
    _serves_version_one(client, officer, ds_id)
