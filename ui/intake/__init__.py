"""The intake form (受理登记): a navigation page that registers a complaint."""

from ui.intake.intake_page import IntakePage

__all__ = ["IntakePage"]
