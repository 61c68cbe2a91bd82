"""xl-bdg: gender-equality (bình đẳng giới) reporting for a Vietnamese province, from workbook to province report."""

__version__ = "0.1.0"
