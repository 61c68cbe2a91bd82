"""Who issues and signs a document, from province.yaml: the report's issuer (UBND tỉnh with the Sở drafting, or the
Sở itself: `report.issuer`) and the letters' (`letters.issuer`, the office). Decree 30/2020/NĐ-CP wants the issuing
body's lines in the heading, the issuer's code in the number, the authority line (TM., KT., TL.) above the signer's
title and full name, and "Lưu: VT, <drafting unit>" in "Nơi nhận".
"""

from __future__ import annotations

from typing import Any

from ..form.project import Project
from ..text import strip_accents
from .context import Office


def _initials(name: str) -> str:
    return "".join(w[0] for w in strip_accents(name).split() if w[:1].isalpha()).upper()


def _pick(conf: dict[str, Any], key: str, lang: str) -> Any:
    return conf.get(f"{key}_en", conf.get(key)) if lang == "en" else conf.get(key)


def _issuer(project: Project, which: str, lang: str) -> Office:
    report = project.config.get("report", {})
    conf = report.get("issuers", {}).get(which)
    if conf is None:  # a province.yaml without the report block: the collecting office as before
        office = project.office()
        short = office.get("short", office.get("name", ""))
        return Office(parent=office.get("parent", "").upper(), name=office.get("name", ""), short=short.upper(),
                      doc_code=office.get("doc_code") or _initials(short),
                      signer_title=office.get("signer_title", ""),
                      header=[short.upper()],
                      drafting=office.get("doc_code") or _initials(short),
                      addressees=list(project.config.get("recipients", [])))
    header = list(_pick(conf, "header", lang) or [])
    return Office(parent=_pick(conf, "parent", lang) or "", name=_pick(conf, "name", lang) or "",
                  short=" ".join(header), doc_code=conf.get("code", ""),
                  signer_title=_pick(conf, "signer_title", lang) or "", header=header,
                  authority=list(_pick(conf, "authority", lang) or []), signer_name=conf.get("signer_name", ""),
                  drafting=conf.get("drafting", ""), addressees=list(_pick(conf, "addressees", lang) or []),
                  copies=list(_pick(conf, "copies", lang) or []))


def report_issuer(project: Project, lang: str = "vi") -> Office:
    """The body that issues the province report (province.yaml `report.issuer`: 'province' or 'office')."""
    return _issuer(project, project.config.get("report", {}).get("issuer", "office"), lang)


def letters_issuer(project: Project, lang: str = "vi") -> Office:
    """The body that writes to the units about their files (province.yaml `letters.issuer`, the office)."""
    return _issuer(project, project.config.get("letters", {}).get("issuer", "office"), lang)


def province_text(project: Project, lang: str = "vi") -> str:
    """The province as a sentence names it ('tỉnh Sơn Hà'), not its display name ('Tỉnh Sơn Hà (tỉnh mẫu)')."""
    report = project.config.get("report", {})
    key = "province_text_en" if lang == "en" else "province_text"
    return report.get(key) or project.config["province"].get("name_en" if lang == "en" else "name", "")
