"""The numbers of the annex's forms (Biểu số 01–09), in one place: the annex writes them and the report's sentences
cite them ("… cần xem lại (Biểu số 08)"), so the two can never disagree."""

from __future__ import annotations

#: Form number of the annex forms a sentence of the report cites, by what they hold.
FORM_NUMBERS = {"checks": "08"}
