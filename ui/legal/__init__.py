"""The legal reference (法律查询) in the GUI: search the article summaries and cite one in a case."""

from ui.legal.legal_page import LegalReferencePage

__all__ = ["LegalReferencePage"]
