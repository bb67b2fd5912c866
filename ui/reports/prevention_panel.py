"""The dashboard's prevention funnel (抱怨登记): grumbles of the period, how many were settled on the spot and
how many became complaints, by branch and cause; and the causes rising among grumbles beside their
complaints, an early warning before complaints rise. The figures are those of the statistics workbook's
prevention sheets (``desk_app.services.prevention.funnel_in``, read with the dashboard's)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidget, QVBoxLayout, QWidget

from desk_app.i18n import _
from desk_app.reports.prevention_figures import PreventionFunnel
from ui.tables import fill_texts, readonly_table


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class PreventionPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preventionPanel")
        self.funnel: PreventionFunnel | None = None
        self.summary = QLabel(self)
        self.summary.setObjectName("funnelSummary")
        self.summary.setWordWrap(True)
        self.by_cause = readonly_table(QTableWidget(0, 7, self))
        self.by_cause.setObjectName("grumbleFunnel")
        self.rising = readonly_table(QTableWidget(0, 6, self))
        self.rising.setObjectName("risingGrumbles")
        for table in (self.by_cause, self.rising):
            table.setMinimumHeight(120)
        self.rising_title = QLabel(self)
        self.rising_title.setWordWrap(True)
        self.rising_title.setBuddy(self.rising)
        self.by_cause_title = QLabel(self)
        self.by_cause_title.setBuddy(self.by_cause)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.by_cause_title)
        left.addWidget(self.by_cause, 1)
        right.addWidget(self.rising_title)
        right.addWidget(self.rising, 1)
        tables = QHBoxLayout()
        tables.addLayout(left, 3)
        tables.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addLayout(tables, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.by_cause_title.setText(_("By branch and cause"))
        self.by_cause.setAccessibleName(_("Grumble funnel by branch and cause"))
        self.by_cause.setHorizontalHeaderLabels([_("Branch"), _("Cause"), _("Grumbles"), _("Settled"), _("Settled %"),
                                                 _("Turned"), _("Turned %")])  # the summary spells them out
        self.rising_title.setText(_("Causes rising among grumbles (before they rise among complaints)"))
        self.rising.setAccessibleName(_("Causes rising among grumbles"))
        self.rising.setHorizontalHeaderLabels([_("Cause"), _("Grumbles"), _("Previous period"), _("Change"),
                                               _("Complaints (before)"), _("Complaints up?")])
        self.set_funnel(self.funnel)

    def set_funnel(self, funnel: PreventionFunnel | None) -> None:
        self.funnel = funnel
        if funnel is None:
            self.summary.setText("")
            fill_texts(self.by_cause, [])
            fill_texts(self.rising, [])
            return
        if funnel.grumbles:
            self.summary.setText(_("{n} grumbles recorded · {settled} settled on the spot ({settled_share}) · "
                                   "{turned} turned into complaints ({turned_share})").format(
                n=funnel.grumbles, settled=funnel.settled, settled_share=_share(funnel.settled_rate),
                turned=funnel.turned, turned_share=_share(funnel.turned_rate)))
        else:
            self.summary.setText(_("No grumble was recorded in this period."))
        fill_texts(self.by_cause, [
            (r.branch_code, f"{r.cause_code} {r.cause_name}", str(r.grumbles), str(r.settled),
             _share(r.settled_rate), str(r.turned), _share(r.turned_rate)) for r in funnel.rows])
        fill_texts(self.rising, [
            (f"{r.cause_code} {r.cause_name}", str(r.grumbles), str(r.previous_grumbles), f"+{r.change}",
             f"{r.complaints} ({r.previous_complaints})",
             _("yes") if r.complaints > r.previous_complaints else _("not yet ⚠"))
            for r in funnel.rising])
