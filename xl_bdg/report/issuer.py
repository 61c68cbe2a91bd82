"""Who issues and signs a document, from province.yaml: the report's issuer (UBND tỉnh with the Sở drafting, or the
Sở itself: `report.issuer`) and the letters' (`letters.issuer`, the office). Decree 30/2020/NĐ-CP wants the issuing
body's lines in the heading, the issuer's code in the number, the authority line (TM., KT., TL.) above the signer's
title and full name, and "Lưu: VT, <drafting unit>" in "Nơi nhận".

Each issuer has validity dates, like the collecting office: the one in office on the period's deadline signs, so a
2024 report is Sở LĐTBXH's (or drafted by it) and names Bộ LĐTBXH, never Sở Nội vụ (NQ 176/2025/QH15, from 1/3/2025).
"""

from __future__ import annotations

from typing import Any

from ..form.project import Project, in_force, issuer_entries
from ..periods import Period
from ..text import strip_accents
from .context import Office


def _initials(name: str) -> str:
    return "".join(w[0] for w in strip_accents(name).split() if w[:1].isalpha()).upper()


def _pick(conf: dict[str, Any], key: str, lang: str) -> Any:
    return conf.get(f"{key}_en", conf.get(key)) if lang == "en" else conf.get(key)


def issuer_config(project: Project, which: str, period: Period | None = None) -> dict[str, Any] | None:
    """The configuration of one issuer (`report.issuers.<which>`) valid on `period`'s deadline (the latest one
    without a period); None when province.yaml has none of that kind."""
    items = issuer_entries(project.config, which)
    return in_force(items, period, f"report.issuers.{which}") if items else None


def _issuer(project: Project, which: str, lang: str, period: Period | None) -> Office:
    conf = issuer_config(project, which, period)
    if conf is None:  # a province.yaml without the report block: the collecting office as before
        office = project.office(period)
        short = office.get("short", office.get("name", ""))
        return Office(parent=office.get("parent", "").upper(), name=office.get("name", ""), short=short.upper(),
                      doc_code=office.get("doc_code") or _initials(short),
                      signer_title=office.get("signer_title", ""),
                      header=[short.upper()],
                      drafting=office.get("doc_code") or _initials(short),
                      addressees=list(project.config.get("recipients", [])), ministry=office.get("ministry", ""))
    header = list(_pick(conf, "header", lang) or [])
    return Office(parent=_pick(conf, "parent", lang) or "", name=_pick(conf, "name", lang) or "",
                  short=" ".join(header), doc_code=conf.get("code", ""),
                  signer_title=_pick(conf, "signer_title", lang) or "", header=header,
                  authority=list(_pick(conf, "authority", lang) or []), signer_name=conf.get("signer_name", ""),
                  drafting=conf.get("drafting", ""), addressees=list(_pick(conf, "addressees", lang) or []),
                  copies=list(_pick(conf, "copies", lang) or []), ministry=_pick(conf, "ministry", lang) or "")


def report_issuer(project: Project, lang: str = "vi", period: Period | None = None) -> Office:
    """The body that issues the province report of `period` (province.yaml `report.issuer`: 'province' or
    'office'), as it was on the period's deadline; without a period, the latest."""
    return _issuer(project, project.config.get("report", {}).get("issuer", "office"), lang, period)


def letters_issuer(project: Project, lang: str = "vi", period: Period | None = None) -> Office:
    """The body that writes to the units about their files of `period` (province.yaml `letters.issuer`)."""
    return _issuer(project, project.config.get("letters", {}).get("issuer", "office"), lang, period)


def place_name(project: Project, lang: str = "vi") -> str:
    """The place of the date line ('Sơn Hà, ngày … tháng … năm …'): province.yaml `place`, `place_en` in English."""
    province = project.config["province"]
    place = province.get("place", project.province_name)
    return str(province.get("place_en") or place) if lang == "en" else str(place)


def province_text(project: Project, lang: str = "vi") -> str:
    """The province as a sentence names it ('tỉnh Sơn Hà'), not its display name ('Tỉnh Sơn Hà (tỉnh mẫu)')."""
    return project.province_text(lang)
