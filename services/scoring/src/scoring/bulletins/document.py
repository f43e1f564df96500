"""A bulletin as a Word document (``.docx``, made with python-docx): the red-head layout of an
official notice in Chinese — issuer, 第N期 and date, the title 关于…的通报, the preface, then the
sections with their tables — in fonts both Word and WPS have (宋体, 黑体, 仿宋)."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from scoring.bulletins.content import Line
from scoring.bulletins.service import BulletinRead
from scoring.bulletins.words import date_words, period_words
from shared.business_time import business_day, business_today
from shared.labels import label
from shared.periods import parse_period

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LATE = {"no_scheme": "尚无方案", "not_closed": "未核定", "not_published": "未公布"}


def _font(paragraph: Paragraph, text: str, *, font: str = "仿宋", size: float = 16, bold: bool = False,
          red: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if red:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _paragraph(doc: object, text: str, *, centre: bool = False, **style: object) -> Paragraph:
    paragraph: Paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph, text, **style)  # type: ignore[arg-type]
    return paragraph


def _day(moment: datetime | None) -> str:
    return date_words(business_day(moment) if moment else business_today())


def _lines(doc: object, heading: str, lines: list[Line], empty: str) -> None:
    _paragraph(doc, heading, font="黑体")
    if not lines:
        _paragraph(doc, f"　　{empty}")
    for index, line in enumerate(lines, start=1):
        _paragraph(doc, f"　　{index}. {line.text}。")


def render(bulletin: BulletinRead) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "仿宋"
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    issuer = f"中共{bulletin.region_name}委组织部" if bulletin.region_name else "组织部"
    _paragraph(doc, "平时考核工作通报", centre=True, font="宋体", size=26, bold=True, red=True)
    _paragraph(doc, f"第{bulletin.number}期" if bulletin.number else "（草稿，未印发）", centre=True)
    _paragraph(doc, f"{issuer}　　　　{_day(bulletin.issued_at)}", centre=True, size=14)
    _paragraph(doc, bulletin.title, centre=True, font="宋体", size=22, bold=True)
    words = period_words(parse_period(bulletin.period))
    if bulletin.preface:
        for part in bulletin.preface.splitlines():
            if part.strip():
                _paragraph(doc, f"　　{part.strip()}")
    else:
        _paragraph(doc, f"　　现将{words}各单位平时考核工作开展情况通报如下：")

    _paragraph(doc, "一、工作进展和排名", font="黑体")
    _paragraph(doc, "　　排名规则：结果已公布的单位按平均得分从高到低排列，得分相同的按“好”等次比例排列。", size=14)
    table = doc.add_table(rows=1, cols=7)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("排名", "单位", "方案审核", "结果核定", "结果公布", "平均分",
                                                "“好”等次比例"), strict=True):
        _font(cell.paragraphs[0], text, font="黑体", size=11)
    for unit in bulletin.units:
        share = "" if unit.good_share is None else f"{float(unit.good_share) * 100:.1f}%"
        values = (str(unit.rank or "—"), unit.unit_name or unit.scheme_name or "",
                  label("review_state", unit.review_state, "zh-CN"),
                  "未核定" if unit.closed_at is None else _day(unit.closed_at),
                  LATE.get(unit.late or "", "") or _day(unit.published_at), unit.mean_score or "—", share or "—")
        for cell, text in zip(table.add_row().cells, values, strict=True):
            _font(cell.paragraphs[0], text, size=11)

    _lines(doc, "二、表扬", bulletin.commendations, "本期无。")
    _lines(doc, "三、批评", bulletin.criticisms, "本期无。")
    _paragraph(doc, "　　请各单位对照通报情况，认真抓好整改落实。")
    closing = _paragraph(doc, issuer)
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    dated = _paragraph(doc, _day(bulletin.issued_at))
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
