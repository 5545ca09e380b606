"""Monthly and quarterly operations reports (运营报告) as self-contained HTML, PDF or XLSX.

One data function (``report_tables`` and ``report_charts``) feeds every format. The HTML has
inline CSS and inline SVG charts and no external references, so it can be downloaded and
opened offline; the PDF embeds a subset of a vendored CJK font and draws charts as vectors.
Usage figures are the period's usage events (see ``governance.usage``).
"""

from kaifang.governance.reports.archive import (
    generate_due_reports,
    get_stored_report,
    list_stored_reports,
)
from kaifang.governance.reports.content import ReportScope, report_charts, report_tables
from kaifang.governance.reports.formats import MEDIA_TYPES, ReportFormat, render, render_html
from kaifang.governance.reports.periods import Period, parse_period, periods_ended_before
from kaifang.governance.reports.service import (
    Report,
    generate_report,
    resolve_scope,
    store_report,
)

__all__ = [
    "MEDIA_TYPES",
    "Period",
    "Report",
    "ReportFormat",
    "ReportScope",
    "generate_due_reports",
    "generate_report",
    "get_stored_report",
    "list_stored_reports",
    "parse_period",
    "periods_ended_before",
    "render",
    "render_html",
    "report_charts",
    "report_tables",
    "resolve_scope",
    "store_report",
]
