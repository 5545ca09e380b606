"""`kaifang openlist import`, `kaifang index compute` and `kaifang report generate` end to end."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from python_calamine import CalamineWorkbook

from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.cli import common
from kaifang.cli.main import app
from tests import factories
from tests.cli.conftest import runner
from tests.governance.conftest import workbook


@pytest.fixture
def world(data_dir: Path) -> Path:
    with common.runtime().db.unit_of_work() as session:
        seed_vocabularies(session)
        org = factories.organization(session, name="市交通运输局")
        factories.published_dataset(session, org=org, title="公交线路信息", formats=["CSV"])
    return data_dir


def _run(*args: str) -> tuple[int, str, str]:
    common.runtime.cache_clear()
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _list_file(tmp_path: Path, organization: str) -> Path:
    path = tmp_path / "清单.xlsx"
    rows = [[organization, "交通出行", "公交线路信息", "线路名称", "", "2021-06"]]
    path.write_bytes(workbook(rows))
    return path


def test_openlist_import_writes_rows_and_refuses_a_bad_file(world: Path) -> None:
    code, out, _ = _run(
        "openlist", "import", str(_list_file(world, "市交通运输局")), "--year", "2021"
    )
    assert code == 0 and "市交通运输局: 1 rows, 1 with a proposed link" in out
    bad = _list_file(world, "不存在的单位")
    code, _, err = _run("openlist", "import", str(bad), "--year", "2021")
    assert code == 2 and "unknown organization" in err


def test_index_compute_prints_the_top_of_the_ranking(world: Path) -> None:
    code, out, _ = _run("index", "compute", "--as-of", "2021-06-30")
    assert code == 0 and "as of 2021-06-30" in out and "市交通运输局" in out


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx"])
def test_report_generate_writes_each_format(world: Path, fmt: str) -> None:
    assert (
        _run("openlist", "import", str(_list_file(world, "市交通运输局")), "--year", "2021")[0] == 0
    )
    output = world / f"report.{fmt}"
    code, out, _ = _run(
        "report", "generate", "--period", "2021-06", "--format", fmt, "--output", str(output)
    )
    assert code == 0 and f"wrote {output}" in out
    content = output.read_bytes()
    if fmt == "pdf":
        text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert "全平台 2021-06 公共数据开放运营报告" in text
    elif fmt == "xlsx":
        assert "清单进度" in CalamineWorkbook.from_filelike(io.BytesIO(content)).sheet_names
    else:
        assert "公共数据开放运营报告" in content.decode()


def test_report_generate_rejects_an_unknown_format_or_organization(world: Path) -> None:
    output = world / "r.doc"
    code, _, err = _run(
        "report", "generate", "--period", "2021-06", "--format", "doc", "--output", str(output)
    )
    assert code == 2 and "pdf" in err and not output.exists()
    code, _, err = _run(
        "report", "generate", "--period", "2021-06", "--org", "nobody", "--output", str(output)
    )
    assert code == 2 and "unknown organization" in err


def test_report_scheduled_stores_last_months_reports_once(world: Path) -> None:
    code, out, _ = _run("report", "scheduled", "--today", "2021-07-01")
    # the platform and one organization, for 2021-06 and 2021-Q2, as PDF and XLSX
    assert code == 0 and "8 reports stored" in out and "全平台 2021-Q2" in out
    code, out, _ = _run("report", "scheduled", "--today", "2021-07-15")
    assert code == 0 and "0 reports stored" in out
