"""The version of xl-bdg, stamped into every workbook it writes (and checked by nothing: the form has its own)."""

__version__ = "0.1.0"
