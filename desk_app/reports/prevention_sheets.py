"""The prevention sheets of the statistics workbook: the grumble funnel by branch and cause, the causes rising
among grumbles, and the opportunities by product and kind (``desk_app.services.prevention`` computes them).

Written by the workbook's own writer (same sheet shape: title, scope, headers in ``HEADER_ROW``, frozen and
filtered), called from ``statistics_workbook._Writer.write``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk_app.i18n import _
from desk_app.reports.prevention_figures import FunnelRow, PreventionFigures
from desk_app.reports.statistics_workbook import Col
from desk_app.reports.xlsx_common import FMT_CHANGE, FMT_INT, FMT_PCT

if TYPE_CHECKING:
    from desk_app.reports.statistics_workbook import _Writer


def write_prevention_sheets(writer: _Writer, figures: PreventionFigures) -> None:
    funnel = figures.funnel
    total = FunnelRow("", "", _("All grumbles"), funnel.grumbles, funnel.settled, funnel.turned)
    cols = [Col(_("Branch"), lambda r: r.branch_code, width=10), Col(_("Cause code"), lambda r: r.cause_code, width=10),
            Col(_("Cause name"), lambda r: r.cause_name), Col(_("Grumbles"), lambda r: r.grumbles, FMT_INT),
            Col(_("Settled on the spot"), lambda r: r.settled, FMT_INT),
            Col(_("Settled rate"), lambda r: r.settled_rate, FMT_PCT),
            Col(_("Turned into complaints"), lambda r: r.turned, FMT_INT),
            Col(_("Turned rate"), lambda r: r.turned_rate, FMT_PCT)]
    writer.table(_("Grumble funnel"), _("Prevention funnel: grumbles, settled on the spot, turned into complaints"),
                 cols, [total, *funnel.rows], bold=lambda r: r is total, freeze_cols=3)
    rising_cols = [
        Col(_("Cause code"), lambda r: r.cause_code, width=10), Col(_("Cause name"), lambda r: r.cause_name),
        Col(_("Grumbles"), lambda r: r.grumbles, FMT_INT),
        Col(_("Grumbles in the previous period"), lambda r: r.previous_grumbles, FMT_INT),
        Col(_("Change"), lambda r: r.change, FMT_CHANGE),
        Col(_("Complaints"), lambda r: r.complaints, FMT_INT),
        Col(_("Complaints in the previous period"), lambda r: r.previous_complaints, FMT_INT)]
    writer.table(_("Rising grumbles"), _("Causes rising among grumbles (an early warning before complaints rise)"),
                 rising_cols, funnel.rising, freeze_cols=2)
    opportunity_cols = [
        Col(_("Product code"), lambda r: r.product_code, width=12), Col(_("Product"), lambda r: r.product_name),
        Col(_("Kind"), lambda r: r.kind.label), Col(_("Opportunities"), lambda r: r.count, FMT_INT),
        Col(_("From cases"), lambda r: r.from_cases, FMT_INT),
        Col(_("From grumbles"), lambda r: r.from_grumbles, FMT_INT),
        Col(_("Kind code"), lambda r: r.kind.value, width=14)]
    writer.table(_("Opportunities"), _("Suggestions and business opportunities by product and kind (投诉经营)"),
                 opportunity_cols, figures.opportunities, freeze_cols=2)
