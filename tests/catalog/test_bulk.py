from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories
from tests.factories import TEMPLATE

from kaifang.audit.models import AuditRecord
from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS, SYSTEM, Actor
from kaifang.auth.models import Organization
from kaifang.catalog import service as catalog_service
from kaifang.catalog.bulk import export_catalog, import_catalog, template_csv, template_xlsx
from kaifang.catalog.models import Dataset, DatasetRevision, WorkflowEvent
from kaifang.catalog.rules import CatalogCodeTemplate
from kaifang.catalog.schemas import DataItemIn
from kaifang.errors import InvalidInput, NotAuthenticated, PermissionDenied

DS_HEADER = ["目录编码", "数据集名称", "数据摘要", "开放领域", "开放属性", "更新频率"]
ITEM_HEADER = ["数据集名称", "中文名称", "字段名", "数据类型", "长度", "开放属性", "分级"]


def xlsx(
    datasets: list[list[object]],
    items: list[list[object]] | None = None,
    *,
    ds_header: list[str] = DS_HEADER,
    item_header: list[str] = ITEM_HEADER,
) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, header, rows in (("数据集", ds_header, datasets), ("数据项", item_header, items)):
        if rows is None:
            continue
        sheet = book.add_worksheet(name)
        for r, cells in enumerate([header, *rows]):
            for c, value in enumerate(cells):
                if isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return buf.getvalue()


def row(title: str, *, code: str = "", open_attr: str = "无条件开放") -> list[object]:
    return [code, title, "全市公交线路与站点信息。", "交通出行", open_attr, "每月"]


@pytest.fixture
def org(session: Session) -> Organization:
    return factories.organization(session)


@pytest.fixture
def officer(session: Session, org: Organization) -> Actor:
    return auth_service.actor_for(factories.user(session, role="officer", org=org))


def run(session: Session, actor: Actor, data: bytes, name: str = "catalog.xlsx", **kw: object):  # type: ignore[no-untyped-def]
    report = import_catalog(
        session, actor=actor, data=data, filename=name, code_template=TEMPLATE, **kw
    )
    session.flush()
    return report


def org_datasets(session: Session, org: Organization) -> list[Dataset]:
    stmt = select(Dataset).where(Dataset.organization_id == org.id).order_by(Dataset.id)
    return list(session.scalars(stmt).unique())


# --- template and round trip -----------------------------------------------------------------


def test_template_has_both_sheets_with_notes_and_dropdowns() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == ["数据集", "数据项"]
    datasets, items = book["数据集"], book["数据项"]
    header = [c.value for c in datasets[1]]
    assert header[:4] == ["目录编码", "数据集名称", "数据摘要", "数据提供方"]
    assert header[-1] == "来源系统" and len(header) == 19
    assert [c.value for c in items[1]][:4] == ["目录编码", "数据集名称", "中文名称", "字段名"]
    assert datasets["I1"].comment is not None  # 开放属性 explains its values
    assert any("无条件开放" in (v.formula1 or "") for v in datasets.data_validations.dataValidation)
    assert template_csv().startswith("\ufeff目录编码,数据集名称".encode())


def test_export_reimports_unchanged(session: Session, org: Organization, officer: Actor) -> None:
    items = [
        DataItemIn(label="金额", name="amount", data_type="decimal", length=12, precision=2),
        DataItemIn(
            label="手机号",
            name="mobile",
            description="经办人手机",
            grade="L3",
            open_attribute="conditional",
            pii_kind="mobile",
            masking_rule="keep_last_4",
        ),
    ]
    factories.dataset(
        session,
        actor=officer,
        summary='第一行\n第二行，含逗号, "引号"',
        formats=["CSV", "API"],
        temporal_start=dt.date(2020, 1, 1),
        temporal_end=dt.date(2024, 12, 31),
        spatial_coverage="台州市",
        licence="cc-by-4.0",
        contact_phone="0576-88881234",
        contact_email="data@example.gov.cn",
        source_system="公交运营系统",
        items=items,
    )
    published = factories.published_dataset(session, org=org, base_class="人口")
    for fmt in ("xlsx", "csv"):
        data = export_catalog(session, actor=officer, fmt=fmt)  # type: ignore[arg-type]
        report = run(session, officer, data, f"export.{fmt}")
        assert report.errors == [] and report.ignored_columns == []
        assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    book = openpyxl.load_workbook(io.BytesIO(export_catalog(session, actor=officer, fmt="xlsx")))
    assert book["数据项"].max_row == 1 + 2 + 3  # header, the two items above, the factory's three
    assert len(org_datasets(session, org)) == 2
    revisions = select(func.count()).where(DatasetRevision.dataset_id == published.id)
    assert session.scalar(revisions) == 0


def test_code_of_a_deleted_dataset_is_not_reused(
    session: Session, org: Organization, officer: Actor
) -> None:
    source = factories.dataset(session, actor=officer)
    data = export_catalog(session, actor=officer, fmt="xlsx")
    session.delete(source)
    session.flush()
    # The code was issued once and is never reused, so the row is refused rather than recreated.
    report = run(session, officer, data)
    assert report.created == 0 and "never reused" in report.errors[0]["message"]


# --- header and value variants ---------------------------------------------------------------


def test_label_variants_of_headers_and_values(
    session: Session, org: Organization, officer: Actor
) -> None:
    ds_header = [
        "资源名称",
        "简介",
        "数源单位",
        "开放类型",
        "更新周期",
        "主题分类",
        "keywords",
        "资源格式",
    ]
    rows = [
        [
            "企业年报",
            "企业年度报告公示信息。",
            org.name,
            "受限开放",
            "每年",
            "市场监管;信用服务",
            "年报，企业",
            "csv、API",
        ],
        ["停车泊位", "公共停车泊位。", org.slug, "unconditional", "daily", "交通出行", "", ""],
    ]
    item_header = ["所属数据集", "数据项名称", "字段英文名", "字段类型", "敏感级别", "开放方式"]
    items = [
        ["企业年报", "统一社会信用代码", "uscc", "varchar(18)", "低敏感", ""],
        ["企业年报", "营业收入", "revenue", "数值型", "2级", "有条件开放"],
        ["停车泊位", "泊位数", "spaces", "整型", "L1 不敏感", "无条件开放"],
    ]
    report = run(session, officer, xlsx(rows, items, ds_header=ds_header, item_header=item_header))
    assert report.errors == [] and report.created == 2
    annual, parking = org_datasets(session, org)
    assert annual.open_attribute == "conditional" and annual.update_frequency == "yearly"
    assert annual.domains == ["shi-chang-jian-guan", "xin-yong-fu-wu"]
    assert annual.keywords == ["年报", "企业"] and annual.formats == ["CSV", "API"]
    assert [(i.name, i.data_type, i.grade, i.open_attribute) for i in annual.items] == [
        ("uscc", "text", "L2", "conditional"),
        ("revenue", "decimal", "L2", "conditional"),
    ]
    assert annual.grade == "L2" and parking.items[0].data_type == "integer"


def test_header_below_a_title_row_keeps_excel_row_numbers(session: Session, officer: Actor) -> None:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("目录")
    sheet.write_row(0, 0, ["台州市交通运输局开放目录（2026年）"])
    sheet.write_row(1, 0, ["*数据集名称", "开放属性（必填）", "更新频率"])
    sheet.write_row(2, 0, ["公交线路", "无条件开放", "每月"])
    sheet.write_row(4, 0, ["公交站点", "半开放", "每月"])  # row 4 left blank on purpose
    book.close()
    report = run(session, officer, buf.getvalue())
    assert [(e["row"], e["sheet"], e["column"]) for e in report.errors] == [
        (5, "目录", "开放属性（必填）")
    ]


# --- validation and all-or-nothing -----------------------------------------------------------


def test_one_bad_row_imports_nothing_and_names_the_row(
    session: Session, org: Organization, officer: Actor
) -> None:
    rows = [row("公交线路"), row("公交站点", open_attr="有条件"), row("出租车")]
    report = run(session, officer, xlsx(rows))
    assert report.errors == [
        {
            "row": 3,
            "sheet": "数据集",
            "column": "开放属性",
            "message": "第3行 开放属性 '有条件' 不在词表中 (row 3: open attribute '有条件' is not in the vocabulary)",
        }
    ]
    assert (report.created, report.failed, report.skipped) == (0, 1, 2)
    assert org_datasets(session, org) == []


def test_every_row_is_checked_before_reporting(session: Session, officer: Actor) -> None:
    rows = [row("公交线路", open_attr="有条件"), ["", "X", "", "火星领域", "", "偶尔"]]
    report = run(session, officer, xlsx(rows))
    assert {(e["row"], e["column"]) for e in report.errors} == {
        (2, "开放属性"),
        (3, "数据集名称"),
        (3, "开放领域"),
        (3, "更新频率"),
    }


def test_valid_rows_only_imports_the_rest(
    session: Session, org: Organization, officer: Actor
) -> None:
    rows = [row("公交线路"), row("公交站点", open_attr="有条件"), row("出租车")]
    report = run(session, officer, xlsx(rows), valid_rows_only=True)
    assert (report.created, report.failed, len(report.errors)) == (2, 1, 1)
    assert [d.title for d in org_datasets(session, org)] == ["公交线路", "出租车"]
    assert report.dataset_ids == [d.id for d in org_datasets(session, org)]


def test_item_errors_fail_their_dataset(
    session: Session, org: Organization, officer: Actor
) -> None:
    items = [
        ["公交线路", "线路", "line", "字符型", "", "", ""],
        ["公交线路", "线路2", "line", "", "", "", ""],
    ]
    items.append(["不存在的数据集", "x", "x", "", "", "", ""])
    report = run(
        session, officer, xlsx([row("公交线路"), row("出租车")], items), valid_rows_only=True
    )
    assert report.created == 1 and report.failed == 1
    by_sheet = [(e["sheet"], e["row"], e["column"]) for e in report.errors]
    assert by_sheet == [("数据集", 2, ""), ("数据项", 3, "字段名"), ("数据项", 4, "数据集名称")]
    assert "数据项表第3行" in report.errors[1]["message"]


def test_grade_open_attribute_conflict_names_the_item(session: Session, officer: Actor) -> None:
    items = [["公交线路", "身份证号", "id_no", "字符型", 18, "无条件开放", "L4"]]
    report = run(session, officer, xlsx([row("公交线路")], items))
    error = report.errors[-1]
    assert (error["sheet"], error["row"], error["column"]) == ("数据项", 2, "开放属性")
    assert "身份证号" in error["message"].split("(")[0] and "item '身份证号'" in error["message"]
    assert report.created == 0


def test_html_in_title_is_stored_as_text(
    session: Session, org: Organization, officer: Actor
) -> None:
    title = "<script>alert(1)</script>公交"
    report = run(session, officer, xlsx([row(title), row('=HYPERLINK("x")线路')]))
    assert report.created == 2
    assert [d.title for d in org_datasets(session, org)] == [title, '=HYPERLINK("x")线路']
    csv_text = export_catalog(session, actor=officer, fmt="csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text  # no formula when opened in a spreadsheet
    again = run(session, officer, csv_text.encode("utf-8"), "catalog.csv")
    assert again.unchanged == 2 and again.errors == []


# --- idempotence -----------------------------------------------------------------------------


def test_reimport_without_codes_updates_instead_of_duplicating(
    session: Session, org: Organization, officer: Actor
) -> None:
    data = xlsx([row("公交线路"), row("出租车")], [["公交线路", "线路", "line", "", "", "", ""]])
    first = run(session, officer, data)
    second = run(session, officer, data)
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert second.dataset_ids == first.dataset_ids
    edited = [row("公交线路"), [*row("出租车")[:2], "新的摘要内容。", *row("出租车")[3:]]]
    third = run(session, officer, xlsx(edited))
    assert (third.updated, third.unchanged) == (1, 1)
    datasets = org_datasets(session, org)
    assert len(datasets) == 2 and datasets[1].summary == "新的摘要内容。"
    assert [i.name for i in datasets[0].items] == ["line"]  # no item rows: items kept


def test_item_rows_replace_the_items_of_a_draft(
    session: Session, org: Organization, officer: Actor
) -> None:
    ds = factories.dataset(session, actor=officer, title="公交线路")
    items = [
        ["公交线路", "票价", "fare", "", "", "", ""],
        ["公交线路", "车型", "model", "", "", "", ""],
    ]
    report = run(session, officer, xlsx([row("公交线路")], items))
    assert report.updated == 1
    session.refresh(ds)
    assert [i.name for i in ds.items] == ["fare", "model"] and ds.grade == "L1"


def test_item_rows_keeping_a_field_name_replace_the_items(
    session: Session, org: Organization, officer: Actor
) -> None:
    ds = factories.dataset(session, actor=officer, title="公交线路")
    items = [
        ["公交线路", "线路名称", "line_name", "", "", "", ""],
        ["公交线路", "票价", "fare", "", "", "", ""],
    ]
    report = run(session, officer, xlsx([row("公交线路")], items), valid_rows_only=True)
    assert report.errors == [] and report.updated == 1
    session.refresh(ds)
    assert [i.name for i in ds.items] == ["line_name", "fare"]


def test_code_updates_published_dataset_through_a_revision(
    session: Session, org: Organization
) -> None:
    ds = factories.published_dataset(session, org=org)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    data = xlsx([[ds.catalog_code, "公交线路（修订）", "", "", "", ""]])
    first = run(session, officer, data)
    second = run(session, officer, data)
    assert (first.updated, first.revisions, second.unchanged) == (1, 1, 1)
    session.refresh(ds)
    assert ds.title != "公交线路（修订）" and ds.status == "published"
    revision = catalog_service.open_revision(session, ds.id)
    assert revision is not None and revision.changes == {"title": "公交线路（修订）"}


def test_given_and_generated_codes(session: Session, org: Organization, officer: Actor) -> None:
    template = CatalogCodeTemplate(TEMPLATE)
    given = f"331000-G03{org.id % 1000:03d}-00002"  # where the counter arrives second
    rows = [
        row("公交线路"),
        row("公交站点", code=given),
        row("出租车"),
        row("不合规", code="BAD-1"),
    ]
    report = run(session, officer, xlsx(rows))
    assert [(e["row"], e["column"]) for e in report.errors] == [(5, "目录编码")]
    report = run(session, officer, xlsx(rows[:3]))
    codes = [d.catalog_code for d in org_datasets(session, org)]
    assert all(template.is_valid(c) for c in codes) and len(set(codes)) == 3
    assert given in codes and codes[0].endswith("-00001") and codes[2].endswith("-00003")


# --- files -----------------------------------------------------------------------------------


def test_wrong_template_and_unreadable_files_are_invalid_input(
    session: Session, officer: Actor
) -> None:
    with pytest.raises(InvalidInput, match="未找到可识别的表头"):
        run(session, officer, xlsx([["a", "b"]], ds_header=["姓名", "电话"]))
    with pytest.raises(InvalidInput, match="CSV"):
        run(session, officer, "中文名称,字段名,目录编码\n线路,line,X\n".encode(), "items.csv")
    with pytest.raises(InvalidInput, match="不是 Excel"):
        run(session, officer, b"just text", "catalog.xlsx")
    with pytest.raises(InvalidInput, match="损坏"):
        run(session, officer, b"PK\x03\x04broken", "catalog.xlsx")
    with pytest.raises(InvalidInput, match="GB18030") as exc:
        run(session, officer, "数据集名称\n公交".encode() + b"\x80\x80", "catalog.csv")
    assert exc.value.details["byte"] == 22


def test_gb18030_csv(session: Session, org: Organization, officer: Actor) -> None:
    text = (
        "数据集名称,开放属性,更新频率,开放领域\r\n公交线路,无条件开放,每月,交通出行、信用服务\r\n"
    )
    report = run(session, officer, text.encode("gb18030"), "目录.csv")
    assert report.created == 1 and report.errors == [] and report.encoding == "gb18030"
    (ds,) = org_datasets(session, org)
    assert ds.title == "公交线路" and ds.domains == ["jiao-tong-chu-xing", "xin-yong-fu-wu"]


# --- permissions and visibility --------------------------------------------------------------


def test_officer_importing_for_another_org_gets_row_errors(
    session: Session, officer: Actor
) -> None:
    other = factories.organization(session)
    rows = [["公交线路", "无条件开放", other.name], ["出租车", "无条件开放", ""]]
    report = run(session, officer, xlsx(rows, ds_header=["数据集名称", "开放属性", "数据提供方"]))
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "数据提供方")]
    assert f"无权为「{other.name}」导入目录" in report.errors[0]["message"]
    assert report.created == 0 and org_datasets(session, other) == []


def test_roles_without_import_rights_are_refused(session: Session) -> None:
    user = auth_service.actor_for(factories.user(session, role="user"))
    with pytest.raises(PermissionDenied):
        run(session, user, xlsx([row("公交线路")]))
    with pytest.raises(NotAuthenticated):
        run(session, ANONYMOUS, xlsx([row("公交线路")]))


def test_export_respects_visibility(session: Session, org: Organization, officer: Actor) -> None:
    other = factories.organization(session)
    mine = factories.dataset(session, actor=officer, title="本单位草稿")
    factories.dataset(session, org=other, title="他单位草稿")
    public = factories.published_dataset(session, org=other, title="他单位已发布")
    for actor, expected in ((officer, {mine.title, public.title}), (ANONYMOUS, {public.title})):
        book = openpyxl.load_workbook(io.BytesIO(export_catalog(session, actor=actor, fmt="xlsx")))
        titles = {r[1] for r in book["数据集"].iter_rows(min_row=2, values_only=True)}
        assert expected <= titles and "他单位草稿" not in titles
        item_titles = {r[1] for r in book["数据项"].iter_rows(min_row=2, values_only=True)}
        assert "他单位草稿" not in item_titles


# --- same rules as the service ---------------------------------------------------------------


def test_import_creates_what_create_dataset_creates(
    session: Session, org: Organization, officer: Actor
) -> None:
    items = [
        DataItemIn(label="线路", name="line"),
        DataItemIn(
            label="手机号",
            name="mobile",
            grade="L3",
            open_attribute="conditional",
            pii_kind="mobile",
        ),
    ]
    direct = catalog_service.create_dataset(
        session,
        actor=officer,
        data=factories.dataset_in(title="直接创建", items=items, domains=["交通出行"]),
        code_template=TEMPLATE,
    )
    item_rows = [
        ["经导入", "线路", "line", "", "", "", ""],
        ["经导入", "手机号", "mobile", "", "", "", "L3"],
    ]
    report = run(
        session,
        officer,
        xlsx([[*row("经导入")[:2], direct.summary, "交通出行", "", "每月"]], item_rows),
    )
    imported = session.get(Dataset, report.dataset_ids[0])
    assert imported is not None
    fields = (
        "status",
        "grade",
        "domains",
        "open_attribute",
        "update_frequency",
        "licence",
        "item_count",
        "region_code",
        "created_by",
    )
    assert {f: getattr(imported, f) for f in fields} == {f: getattr(direct, f) for f in fields}
    assert imported.catalog_code.rsplit("-", 1)[0] == direct.catalog_code.rsplit("-", 1)[0]
    event = session.scalars(
        select(WorkflowEvent).where(WorkflowEvent.dataset_id == imported.id)
    ).one()
    assert (event.action, event.to_status) == ("create", "draft")
    audits = select(AuditRecord.action).where(
        AuditRecord.object_type == "dataset", AuditRecord.object_id == str(imported.id)
    )
    assert list(session.scalars(audits)) == ["dataset.create"]
    assert session.scalar(select(func.count()).where(AuditRecord.action == "dataset.import")) == 1


def test_system_actor_imports_for_named_organizations(session: Session, org: Organization) -> None:
    rows = [["公交线路", "无条件开放", org.name], ["出租车", "无条件开放", ""]]
    report = run(session, SYSTEM, xlsx(rows, ds_header=["数据集名称", "开放属性", "数据提供方"]))
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "数据提供方")]


def test_county_copy_of_a_city_dataset_is_flagged_like_create_dataset(session: Session) -> None:
    factories.region(session)  # 3310 台州市, named so the title comparison can drop it
    factories.region(session, "331002", "椒江区")
    city = factories.dataset(session, title="台州市公交线路信息")
    direct = factories.dataset(
        session,
        org=factories.organization(session, region_code="331002"),
        title="椒江区公交线路信息",
    )
    county = factories.organization(session, region_code="331002")
    officer = auth_service.actor_for(factories.user(session, role="officer", org=county))
    items = [
        ["椒江区公交线路信息", item.label, item.name, "", "", "", item.grade] for item in city.items
    ]
    report = run(session, officer, xlsx([row("椒江区公交线路信息")], items))
    imported = session.get(Dataset, report.dataset_ids[0])
    assert imported is not None and imported.region_code == "331002"
    assert direct.duplicate_of_id == city.id
    assert (imported.duplicate_of_id, imported.duplicate_note) == (city.id, direct.duplicate_note)


def test_a_bad_row_leaves_updates_of_other_rows_unwritten(
    session: Session, org: Organization, officer: Actor
) -> None:
    ds = factories.dataset(session, actor=officer, title="公交线路")
    rows = [
        [ds.catalog_code, "公交线路", "改过的摘要内容。", "", "", ""],
        row("出租车", open_attr="半开放"),
    ]
    report = run(session, officer, xlsx(rows))
    assert (report.updated, report.failed, report.skipped) == (0, 1, 1)
    session.refresh(ds)
    assert ds.summary != "改过的摘要内容。"


def test_english_code_names_and_tab_separated_csv(
    session: Session, org: Organization, officer: Actor
) -> None:
    text = "title\topen_attribute\tupdate_frequency\tdomains\ttemporal_start\n"
    text += "Bus lines 公交\tconditional\tmonthly\tjiao-tong-chu-xing\t2020/1/2\n"
    report = run(session, officer, text.encode(), "catalog.tsv")
    assert report.errors == [] and report.created == 1
    (ds,) = org_datasets(session, org)
    assert (ds.open_attribute, ds.update_frequency, ds.temporal_start.isoformat()) == (
        "conditional",
        "monthly",
        "2020-01-02",
    )


def test_code_of_another_orgs_draft_reveals_nothing(session: Session, officer: Actor) -> None:
    other = factories.organization(session, name="保密单位")
    draft = factories.dataset(session, org=other)
    report = run(session, officer, xlsx([[draft.catalog_code, "换个名字", "", "", "", ""]]))
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "目录编码")]
    assert (
        "保密单位" not in report.errors[0]["message"]
        and "already issued" in report.errors[0]["message"]
    )


def test_a_failure_while_saving_is_pinned_on_its_row(
    session: Session, org: Organization, officer: Actor
) -> None:
    factories.dataset(session, actor=officer, title="公交线路")
    items = [["公交线路", "线路名称", "line_name", "", "", "", ""]]
    rows = [row("公交线路"), row("出租车")]
    report = run(session, officer, xlsx(rows, items), valid_rows_only=True)
    assert report.created == 1  # whatever happens to row 2, it never becomes a crash
    assert report.updated == 1 or [(e["row"], e["column"]) for e in report.errors] == [(2, "")]
