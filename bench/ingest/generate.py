"""Generate the ingest benchmark inputs: 1M-row UTF-8 and GB18030 CSVs and 100k-row XLSXs.

Usage: ``python bench/ingest/generate.py [OUT_DIR] [--rows N] [--xlsx-rows N]``.
The data are synthetic and seeded, so every run produces the same files. The XLSX is written
three times: with inline strings (``rows.xlsx``), with shared strings (``rows-shared.xlsx``)
and with shared strings and "—" marks for missing amounts (``rows-mixed.xlsx``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter

HEADER = [
    "编号",
    "日期",
    "省份",
    "类别",
    "状态",
    "金额",
    "数量",
    "纬度",
    "经度",
    "是否有效",
    "描述",
    "统一社会信用代码",
]
PROVINCES = ["浙江", "江苏", "广东", "山东", "河南", "四川", "湖北", "福建", "湖南", "安徽"]
CATEGORIES = ["交通", "教育", "医疗", "环保", "财政", "农业", "文旅", "民政"]
STATUSES = ["已办结", "办理中", "已受理", "已退回"]
HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你能而子那得"
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _rows(n: int, seed: int = 20261122) -> Iterator[list[str]]:
    rnd = random.Random(seed)
    start = dt.date(2015, 1, 1)
    for i in range(1, n + 1):
        day = start + dt.timedelta(days=rnd.randrange(3650))
        desc = "".join(rnd.choices(HANZI, k=rnd.randint(6, 14)))
        code = "91" + "".join(rnd.choices(CODE_CHARS, k=16))
        yield [
            str(i),
            day.isoformat(),
            rnd.choice(PROVINCES),
            rnd.choice(CATEGORIES),
            rnd.choice(STATUSES),
            f"{rnd.uniform(0, 100000):.2f}",
            str(rnd.randint(0, 5000)),
            f"{rnd.uniform(18.0, 53.0):.6f}",
            f"{rnd.uniform(73.0, 135.0):.6f}",
            rnd.choice(("是", "否")),
            desc,
            code,
        ]


def write_csv(path: Path, rows: int, encoding: str) -> Path:
    """Write ``rows`` data rows plus a header to ``path`` in ``encoding``."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(_rows(rows))
    return path


def write_xlsx(
    path: Path, rows: int, *, shared_strings: bool = False, missing_marks: bool = False
) -> Path:
    """Write ``rows`` data rows to one sheet; numbers are numeric cells, codes are text.

    By default strings are inline (XlsxWriter's ``constant_memory``); ``shared_strings`` writes
    them to ``sharedStrings.xml`` as Excel and WPS do. ``missing_marks`` puts "—" text in the
    amount column every 997th row, as departments mark missing figures (a column mixing
    numbers and text).
    """
    options = {"constant_memory": not shared_strings, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(str(path), options)
    sheet = book.add_worksheet("数据")
    sheet.write_row(0, 0, HEADER)
    numeric = {5, 6, 7, 8}
    for r, row in enumerate(_rows(rows), start=1):
        for c, value in enumerate(row):
            if missing_marks and c == 5 and r % 997 == 0:
                sheet.write_string(r, c, "—")
            elif c in numeric:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", nargs="?", default="bench/ingest/data", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, enc in (("utf8.csv", "utf-8"), ("gb18030.csv", "gb18030")):
        path = write_csv(args.out / name, args.rows, enc)
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")
    xlsx = write_xlsx(args.out / "rows.xlsx", args.xlsx_rows)
    print(f"{xlsx}: {xlsx.stat().st_size / 1e6:.1f} MB")
    shared = write_xlsx(args.out / "rows-shared.xlsx", args.xlsx_rows, shared_strings=True)
    print(f"{shared}: {shared.stat().st_size / 1e6:.1f} MB")
    mixed = write_xlsx(
        args.out / "rows-mixed.xlsx", args.xlsx_rows, shared_strings=True, missing_marks=True
    )
    print(f"{mixed}: {mixed.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
