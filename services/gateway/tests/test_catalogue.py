"""One catalogue of codes: every enum value of the merged OpenAPI document and every error code the
services define has a zh-CN and an en label; the catalogue is served once with an ETag."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from shared.errors import AppError
from shared.labels import CATALOGUE, ETAG, LANGS, all_codes

PACKAGES = ("shared", "records", "scoring", "quota", "gateway")
_INLINE_CODE = re.compile(r"""\bcode\s*=\s*["']([a-z][a-z_:]*)["']""")
# a code given as a positional argument: the gateway's _unauthorized(detail, code), the procedure's Check(code, ...)
_POSITIONAL = re.compile(r"""_unauthorized\(.*,\s*["']([a-z_]+)["']\)|\bCheck\(["']([a-z_]+)["']""")
# an import's reason for refusing a row or a file: Reason("bad_date", ...), RowProblem(...), UnreadableFile(...)
_ROW_ERROR = re.compile(r"""\b(?:Reason|RowProblem|UnreadableFile|FileRefusal)\(\s*["']([a-z0-9_]+)["']"""
                        r"""(?:\s+if\s.*?\selse\s+["']([a-z0-9_]+)["'])?""")


def _enum_values(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for value in node.get("enum", []) if isinstance(node.get("enum"), list) else []:
            yield str(value), where
        for key, child in node.items():
            yield from _enum_values(child, f"{where}/{key}")
    elif isinstance(node, list):
        for child in node:
            yield from _enum_values(child, where)


def _modules() -> Iterator[Any]:
    for name in PACKAGES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            yield importlib.import_module(info.name)


def _subclasses(cls: type[AppError]) -> Iterator[type[AppError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_codes() -> set[str]:
    """The code of every AppError class and every code a service passes where it raises or renders one."""
    sources = _sources()
    codes = {cls.code for cls in _subclasses(AppError)} | {AppError.code}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        codes |= set(_INLINE_CODE.findall(text))
        codes |= {code for found in _POSITIONAL.findall(text) for code in found if code}
    return codes


def _sources() -> set[Path]:
    return {Path(m.__file__) for m in _modules() if getattr(m, "__file__", None)}


def row_error_codes() -> set[str]:
    """Every reason an import gives for a row or a file it refuses, where the services name it."""
    return {code for source in _sources() for found in _ROW_ERROR.findall(source.read_text(encoding="utf-8"))
            for code in found if code}


def _labelled(codes: dict[str, dict[str, str]]) -> bool:
    return all(codes.get(lang, "").strip() for lang in LANGS)


def test_every_catalogued_code_has_both_labels() -> None:
    unlabelled = sorted(f"{kind}.{code}" for kind, codes in CATALOGUE.items() for code, pair in codes.items()
                        if not _labelled(pair))
    assert unlabelled == []


def test_every_error_code_has_both_labels() -> None:
    codes = error_codes()
    assert {"validation_error", "token_expired", "unauthenticated", "round_closed", "ballots_missing",
            "allocation_has_warnings"} <= codes
    assert sorted(codes - set(CATALOGUE["error"])) == []


def test_every_row_error_code_has_both_labels() -> None:
    codes = row_error_codes()
    assert {"unknown_staff_no", "bad_date", "duplicate_day", "missing_value", "not_a_sheet", "wps_et",
            "ole2_without_workbook", "unknown_status", "not_json_object", "blank_row"} <= codes
    assert sorted(codes - set(CATALOGUE["row_error"])) == []
    assert CATALOGUE["row_error"]["duplicate_day"] == {"zh-CN": "与第 … 行的人员和日期相同",
                                                      "en": "the same person and day as row …"}


async def test_every_enum_value_of_the_api_has_both_labels(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    assert "x-missing-services" not in document["info"]
    values = dict(_enum_values(document))
    assert {"leadership", "pending", "veto", "renormalise"} <= set(values)
    missing = sorted(f"{value} ({where})" for value, where in values.items() if value not in all_codes())
    assert missing == []


async def test_the_catalogue_is_served_once_with_an_etag(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/catalogue")
    assert response.status_code == 200
    assert response.headers["etag"] == ETAG
    assert response.headers["cache-control"] == "private, max-age=86400"
    body = response.json()
    assert body["langs"] == ["zh-CN", "en"]
    assert body["kinds"]["grade"]["fairly_good"] == {"zh-CN": "较好", "en": "Fairly good"}
    assert body["kinds"]["grade"]["basically_competent"]["zh-CN"] == "基本称职"
    assert body["kinds"]["rater_group"]["middle"]["zh-CN"] == "中层干部"
    assert body["kinds"]["error"]["round_closed"] == {"zh-CN": "测评已结束", "en": "The rating round is closed"}
    again = await gateway.get("/api/v1/catalogue", headers={"if-none-match": ETAG})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == ETAG
