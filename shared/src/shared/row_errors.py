"""Why an import refuses a row or a whole file: a stable ``code`` per reason and its text in Chinese
(``zh-CN``) and English (``en``), templates with the row's values filled in.

A reason is carried as its code and values (``Reason``, or the ``RowProblem``/``FileRefusal`` a parser
raises); its text is made only when an answer names it, in the language ``lang_var`` holds (the
caller's ``Accept-Language``), so the rows that are fine cost nothing. The codes are the kind
``row_error`` of the catalogue (:mod:`shared.labels`), labelled with their templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Self

ZH, EN = "zh-CN", "en"
Localised = Mapping[str, str]  # a value that is itself worded per language: {"zh-CN": ..., "en": ...}

FORMATS: Localised = {ZH: ".xlsx、.xls、.ods 或 CSV/TXT 文本（UTF-8、GBK 或 UTF-16）",
                      EN: ".xlsx, .xls, .ods, or CSV/TXT text (UTF-8, GBK or UTF-16)"}
SAVE_AS: Localised = {ZH: "另存为 .xlsx 或 .xls 后上传", EN: "save it as .xlsx or .xls and upload that"}
# What a file that is not a sheet turned out to be.
KINDS: dict[str, Localised] = {k: {ZH: zh, EN: en} for k, (zh, en) in {
    "pdf": ("一份 PDF 文档", "a PDF document"), "png": ("一张 PNG 图片", "a PNG picture"),
    "jpeg": ("一张 JPEG 图片", "a JPEG picture"), "gif": ("一张 GIF 图片", "a GIF picture"),
    "bmp": ("一张 BMP 图片", "a BMP picture"), "rar": ("一个 RAR 压缩包", "a RAR archive"),
    "7z": ("一个 7-Zip 压缩包", "a 7-Zip archive"), "gzip": ("一个 gzip 压缩包", "a gzip archive"),
    "rtf": ("一份 RTF 文档", "an RTF document"), "docx": ("一份文字处理文档", "a word-processor document"),
    "doc": ("一份 Word 97–2003 文档", "a Word 97–2003 document"),
    "ppt": ("一份 PowerPoint 演示文稿", "a PowerPoint presentation"),
    # workbooks
    "xlsx": ("Excel 工作簿", "Excel workbook"), "xls": ("Excel 97–2003 工作簿", "Excel 97–2003 workbook"),
    "ods": ("OpenDocument 电子表格", "OpenDocument spreadsheet")}.items()}

_LOST_ZEROS = ("单元格中是数字 {value}，前导零已丢失：请将该列设为文本格式，或在地区设置中设定工号位数以自动补零",
               "the cell holds the number {value}, which has no leading zeros: format the column as text, "
               "or set the region's staff-number width (its settings) to have them padded back")
_TEMPLATES: dict[str, tuple[str, str]] = {
    # a row
    "not_json_object": ("不是 JSON 对象", "not a JSON object"),
    "missing_value": ("必填", "required"),
    "bad_date": ("不是日期，应写作 {forms}", "not a date like {forms}"),
    "no_such_day": ("没有这一天（{day}）", "no such day ({day})"),
    "unknown_status": ("未知的考勤状态，应为 {words} 或 {codes} 之一", "unknown status; use one of {words} or {codes}"),
    "unknown_staff_no": ("您管理的单位中没有此人", "no such person in the units you manage"),
    "staff_no_lost_zeros": _LOST_ZEROS,
    "unknown_staff_no_lost_zeros": ("您管理的单位中没有此人；" + _LOST_ZEROS[0],
                                    "no such person in the units you manage; " + _LOST_ZEROS[1]),
    "day_in_future": ("晚于今天（{today}），尚未发生", "after today ({today}): not yet happened"),
    "not_on_roster": ("{staff_no} 当天不在人员名册中", "{staff_no} is not on the roster on that day"),
    "unit_not_managed_that_day": ("当天 {staff_no} 所在单位不归您管理",
                                  "on that day {staff_no} belongs to a unit you do not manage"),
    "duplicate_day": ("与第 {first} 行的人员和日期相同", "the same person and day as row {first}"),
    "duplicate_staff_no": ("与第 {first} 行工号重复", "also on row {first}"),
    "duplicate_task": ("与第 {first} 行是同一任务", "the same task as row {first}"),
    "unknown_unit": ("本地区没有此编码的单位", "no unit with this code in the region"),
    "unit_not_managed": ("该单位不归您管理", "a unit you do not manage"),
    "other_region": ("此人在其他地区的单位工作", "works in a unit of another region"),
    "unknown_category": ("应为 班子成员、中层干部、其他在编 或 不在编", "use 班子成员, 中层干部, 其他在编 or 不在编"),
    "before_placement": ("早于当前任职的起始日期（{began}）", "before the current placement began ({began})"),
    "too_long": ("最多 {limit} 个字符", "at most {limit} characters"),
    "bad_text_length": ("必填，最多 {limit} 个字符", "required, at most {limit} characters"),
    "not_a_number": ("不是数字", "not a number"),
    "weight_out_of_range": ("应大于 0 且不超过 1000", "must be above 0 and at most 1000"),
    # a row the reader skipped (the layout's notes)
    "blank_row": ("空行", "blank row"),
    "sign_off_line": ("签字、合计或备注行", "sign-off, total or note line"),
    # the file as a whole
    "no_rows": ("文件中没有数据行", "the file has no rows"),
    "bad_rows": ("{bad} 行有误（共 {rows} 行），未写入任何内容", "{bad} bad row(s) of {rows}; nothing was written"),
    "missing_columns": ("缺少列：{wanted}", "missing column(s) — {wanted}"),
    "not_a_sheet": ("这是{kind}，不是表格；请上传 {formats}", "this is {kind}, not a sheet; upload it as {formats}"),
    "damaged_zip": ("这是损坏的 ZIP 或工作簿文件；请上传 {formats}",
                    "this is a damaged ZIP or workbook file; upload it as {formats}"),
    "xlsb": ("这是 Excel 二进制工作簿（.xlsb）；请另存为 .xlsx 或 .xls",
             "this is an Excel binary workbook (.xlsb); save it as .xlsx or .xls"),
    "other_opendocument": ("这是其他类型的 OpenDocument 文件（{mimetype}）；请上传 {formats}",
                           "this is an OpenDocument file of another kind ({mimetype}); upload it as {formats}"),
    "zip_archive": ("这是 ZIP 压缩包，不是工作簿；请上传表格本身：{formats}",
                    "this is a ZIP archive, not a workbook; upload the sheet itself as {formats}"),
    "password_protected": (
        "此工作簿设有密码；请取消密码（或另存一份无密码的副本）为 .xlsx 或 .xls 后上传",
        "this workbook is protected by a password; remove the password (or save an unprotected copy) as .xlsx or "
        ".xls and upload that"),
    "ole2_without_workbook": (
        "这是不含工作簿的 OLE2 办公文件（可能是 WPS 的 .et 文件）；请{save_as}",
        "this is an OLE2 office file that holds no workbook (a WPS .et file, perhaps); {save_as}"),
    "wps_et": ("这是无法读取的 WPS .et 文件；请在 WPS 中另存为 .xlsx 或 .xls 后上传",
               "this is a WPS .et file that cannot be read; in WPS save it as .xlsx or .xls and upload that"),
    "damaged_workbook": ("此 {kind} 已损坏，无法读取（{exc}）；请重新另存为 .xlsx",
                         "this {kind} is damaged and cannot be read ({exc}); save it again as .xlsx"),
    "no_such_sheet": ("工作簿中没有名为“{wanted}”的工作表；现有工作表：{names}",
                      "the workbook has no sheet named '{wanted}'; its sheets: {names}"),
    "unreadable_sheet": ("此 {kind} 的工作表“{name}”无法读取（{exc}）",
                         "sheet '{name}' of this {kind} cannot be read ({exc})"),
    "no_sheets": ("工作簿中没有工作表", "the workbook has no sheets"),
    "empty_sheet": ("工作表是空的", "the sheet is empty"),
    "empty_file": ("文件是空的", "the file is empty"),
    "utf32": ("文本是 UTF-32 编码，不予接受；请另存为 .xlsx 或 UTF-8 编码的 CSV",
              "the text is UTF-32, which is not taken; save it as .xlsx or as CSV UTF-8"),
    "unknown_binary": ("这是未知类型的二进制文件；请上传 {formats}",
                       "this is a binary file of a kind not known here; upload it as {formats}"),
    "web_page": ("这是网页或 XML 文件（可能是 Excel 的“网页”或“XML 电子表格”格式），不是表格；请{save_as}",
                 "this is a web page or XML file (perhaps Excel's \"web page\" or \"XML spreadsheet\" format), not a "
                 "sheet; {save_as}"),
    "bad_encoding": ("文本既不是 UTF-8、GBK/GB18030，也不是 UTF-16；请另存为 .xlsx 或 UTF-8 编码的 CSV",
                     "the text is neither UTF-8, GBK/GB18030 nor UTF-16; save it as .xlsx or as CSV UTF-8"),
    "unreadable_text": ("文本从第 {row} 行之后无法按 {encoding} 读取：{exc}",
                        "the text cannot be read past row {row} as {encoding}: {exc}"),
}
_DEFAULTS: dict[str, Any] = {"formats": FORMATS, "save_as": SAVE_AS}
_SHEET_PREFIX = {ZH: "工作表“{sheet}”：", EN: "sheet '{sheet}': "}


def text(code: str, lang: str = EN, params: Mapping[str, Any] | None = None) -> str:
    """The reason ``code`` in ``lang`` with its values filled in (a value worded per language in that one)."""
    zh, en = _TEMPLATES[code]
    values = {key: value.get(lang, value.get(EN)) if isinstance(value, Mapping) else value
              for key, value in {**_DEFAULTS, **(params or {})}.items()}
    return (zh if lang == ZH else en).format(**values)


def current_lang() -> str:
    from shared.i18n import lang_var

    return lang_var.get()


class Reason:
    """A reason as code and values; ``text()`` in the caller's language."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any) -> None:
        if code not in _TEMPLATES:
            raise KeyError(code)
        self.code, self.params = code, params

    def text(self, lang: str | None = None) -> str:
        return text(self.code, lang or current_lang(), self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"Reason({self.code!r}, **{self.params!r})"


class RowProblem(ValueError):
    """A cell that cannot be taken; ``str()`` is the English reason."""

    def __init__(self, code: str, **params: Any) -> None:
        self.reason = Reason(code, **params)
        super().__init__(self.reason.text(EN))


class FileRefusal(ValueError):
    """A file that cannot be read as a whole; ``str()`` is the English reason. ``sheet``: the workbook
    sheet the reason is about, when the workbook has several."""

    def __init__(self, code: str, *, sheet: str | None = None, **params: Any) -> None:
        self.reason, self.sheet = Reason(code, **params), sheet
        super().__init__(self.text(EN))

    def in_sheet(self, sheet: str) -> Self:
        return type(self)(self.reason.code, sheet=sheet, **self.reason.params)

    def text(self, lang: str | None = None) -> str:
        lang = lang or current_lang()
        prefix = _SHEET_PREFIX[ZH if lang == ZH else EN].format(sheet=self.sheet) if self.sheet else ""
        return prefix + self.reason.text(lang)


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _label(template: str) -> str:
    return _PLACEHOLDER.sub("…", template)


ROW_ERRORS: dict[str, dict[str, str]] = {code: {ZH: _label(zh), EN: _label(en)} for code, (zh, en) in
                                         _TEMPLATES.items()}
"""The catalogue's ``row_error`` kind: each reason's template, its values shown as '…'."""
