"""Problem texts in the caller's language.

``RequestContextMiddleware`` puts the language ``negotiate`` picks from ``Accept-Language`` in
``lang_var``; :func:`shared.errors.problem` then gives the ``title`` and ``detail`` of every problem in
it. The ``code`` never changes. In English the texts are as raised. In Chinese the title is the
code's label in the catalogue; the detail (and the ``message`` of each field a domain rule names) is
the Chinese template of its English one with the values filled in (:mod:`shared.details`); request
validation words its detail and each field's ``message`` by pydantic's error ``type``; a detail no
template words falls back to a fixed sentence for the answers that say no more than their code (401,
403, 404, 405, 409, 413, 429, 5xx) and stays in English otherwise (an import's refusal and each of its
rows come worded in the caller's language already: :mod:`shared.row_errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from shared.details import localised
from shared.labels import CATALOGUE, DEFAULT_LANG, ZH

lang_var: ContextVar[str] = ContextVar("lang", default=DEFAULT_LANG)

FIXED_DETAIL_STATUSES = frozenset({401, 403, 404, 405, 408, 409, 413, 429, 431, 500, 503, 504})
_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "payload_too_large", 422: "unprocessable", 429: "rate_limited",
              500: "internal_error", 503: "upstream_unavailable", 504: "upstream_timeout"}
_ZH_DETAILS = {
    "not_found": "未找到该对象，或它不在您的地区、单位或本人范围内。",
    "forbidden": "您的角色或接口密钥无权执行此操作。",
    "unauthorized": "请先登录，或登录凭据无效、已过期。",
    "unauthenticated": "请先登录（Authorization: Bearer …）或提供接口密钥（X-API-Key）。",
    "token_expired": "登录已过期，请刷新或重新登录。",
    "token_invalid": "登录凭据无效，请重新登录。",
    "api_key_invalid": "接口密钥无效或已吊销。",
    "session_revoked": "此次登录已结束（已退出、已改密码或账号已停用），请重新登录。",
    "password_change_required": "请先通过 POST /api/v1/auth/password 修改密码。",
    "method_not_allowed": "该路径不支持此请求方法。",
    "rate_limited": "请求过于频繁，请稍后再试。",
    "request_timeout": "请求发送过慢，连接已关闭。",
    "headers_too_large": "请求头的字段过多或过大。",
    "payload_too_large": "请求内容超过该接口允许的大小。",
    "database_unavailable": "请求未执行，请稍后重试。",
    "internal_error": "服务器处理请求失败，已记录日志。",
}
_ZH_FIELD = {
    "missing": "必填项",
    "string_type": "应为文本",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字",
    "decimal_type": "应为数字", "decimal_parsing": "应为数字",
    "bool_type": "应为是或否（true/false）", "bool_parsing": "应为是或否（true/false）",
    "uuid_type": "应为 UUID", "uuid_parsing": "应为 UUID",
    "date_type": "应为日期（YYYY-MM-DD）", "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_type": "应为日期时间", "datetime_parsing": "应为日期时间", "datetime_from_date_parsing": "应为日期时间",
    "list_type": "应为列表", "dict_type": "应为对象", "model_type": "应为对象", "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON", "json_type": "不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "至少 {min_length} 个字符", "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项", "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "decimal_max_digits": "最多 {max_digits} 位数字", "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "literal_error": "应为以下之一：{expected}", "enum": "应为以下之一：{expected}",
    "finite_number": "应为有限数字",
    "value_error": "取值无效",
}


_VALUE_ERROR = "Value error, "  # how pydantic words a validator's ValueError


def _zh_title(status: int, code: str) -> str | None:
    found = CATALOGUE["error"].get(code) or CATALOGUE["error"].get(_BY_STATUS.get(status, ""), None)
    return found[ZH] if found else None


def field_message(err: Mapping[str, Any], lang: str) -> str:
    """One pydantic error's message; in Chinese by its ``type`` (with the limits of its ``ctx``)."""
    english = str(err.get("msg", ""))
    if lang != ZH:
        return english
    kind = str(err.get("type", ""))
    if kind == "value_error" and english.startswith(_VALUE_ERROR):
        return localised(english.removeprefix(_VALUE_ERROR), lang) or _ZH_FIELD[kind]
    template = _ZH_FIELD.get(kind)
    if template is None:
        return english
    context = {key: str(value).replace(" or ", ", ") for key, value in (err.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("（ ：")


def validation_detail(fields: Sequence[str], count: int, lang: str) -> str:
    shown = ", ".join(fields[:5])
    return f"{count} 个字段无效：{shown}" if lang == ZH else f"{count} invalid field(s): {shown}"


def localise(status: int, code: str, title: str, detail: str | None, lang: str) -> tuple[str, str | None]:
    """The ``title`` and ``detail`` of a problem in ``lang``."""
    if lang != ZH:
        return title, detail
    zh_title = _zh_title(status, code) or title
    worded = localised(detail, lang) if detail and detail != title else None
    if worded:
        return zh_title, worded
    if status in FIXED_DETAIL_STATUSES or status >= 500:
        return zh_title, _ZH_DETAILS.get(code) or _status_detail(status, zh_title)
    return zh_title, detail


def localise_errors(errors: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The ``errors`` of a domain rule's problem, each field's ``message`` in ``lang``."""
    return [{**error, "message": localised(error["message"], lang) or error["message"]}
            if lang == ZH and isinstance(error.get("message"), str) else dict(error) for error in errors]


def _status_detail(status: int, zh_title: str) -> str:
    if status == 404:
        return f"{zh_title}，或不在您的地区、单位或本人范围内。"
    return f"{zh_title}。"
