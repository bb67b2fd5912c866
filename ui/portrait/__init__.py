"""The complainant portrait (投诉人画像) in the GUI: the editor with its radar and trend charts, and the
risk-signal suggestions a clerk confirms."""

from ui.portrait.editor import PortraitEditor
from ui.portrait.risk_box import RiskSignalsBox

__all__ = ["PortraitEditor", "RiskSignalsBox"]
