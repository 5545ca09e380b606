"""Bulk catalogue import and export (开放目录批量导入导出).

Formats. The template is one XLSX workbook with a 数据集 sheet (one row per dataset) and a
数据项 sheet (one row per data item, linked to its dataset by 目录编码 or 数据集名称). The CSV
variant is a single CSV holding dataset rows only: a CSV cannot carry two tables, and a second
file per upload would make the import non-atomic. Items are therefore imported from XLSX only,
and a dataset row without item rows leaves the dataset's items as they are.

Rules. The header may sit in any of the first ten rows and may use any label variant real
portals print (开放类型 for 开放属性, 数源单位 for 数据提供方, ...). Every row is checked before
anything is written; errors name the row as Excel numbers it, the column as the file labels it,
and say what is wrong in Chinese and English. A blank cell on an existing dataset means "leave
as is". A row updates the dataset with its 目录编码, or, without a code, the dataset of the same
provider with the same title, so importing a file twice creates nothing twice.
"""

from kaifang.catalog.bulk.export import export_catalog, template_csv, template_xlsx
from kaifang.catalog.bulk.importer import import_catalog
from kaifang.catalog.bulk.report import ImportReport, RowError

__all__ = [
    "ImportReport",
    "RowError",
    "export_catalog",
    "import_catalog",
    "template_csv",
    "template_xlsx",
]
