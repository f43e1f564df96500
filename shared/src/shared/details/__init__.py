"""The ``detail`` of an error in the caller's language.

A service words the detail of an error in English where it raises it (``f"no scheme {scheme_id}"``);
that text stays the answer in English. Its Chinese text is a template of this catalogue, keyed by the
English one read as a template (each value of the f-string a ``{name}``: ``"no scheme {scheme_id}"`` →
``"考核方案 {scheme_id} 不存在"``). When a problem is answered in Chinese, the English detail is matched
against the templates (of those that match, the one whose leading value is shortest, then the one with
the most text of its own), its values are taken back out and filled into the Chinese one. A value that
is a code is shown by its label where the Chinese template names the kind of the catalogue
(``“{state:task_status}”``: ``done`` → 已完成); a value that is itself worded here (a nested detail, a
phrase like ``weekly record``) in its Chinese text. A detail no template matches stays as raised.

The raise sites do not change: a test reads every one of them (``shared/tests/test_error_details.py``)
and fails for an English template without its Chinese text here. The templates are kept per service
in the modules of this package.
"""

from __future__ import annotations

import re
from functools import cache
from string import Formatter

from shared.details import gateway, jobs, quota, records, scoring, scoring_rules
from shared.labels import CATALOGUE, ZH, label

DETAILS: dict[str, str] = {**gateway.TEXTS, **jobs.TEXTS, **records.TEXTS, **quota.TEXTS, **scoring.TEXTS,
                           **scoring_rules.TEXTS}
"""English template → Chinese template, for every detail a service words."""


class _Filler(Formatter):
    """Fills a Chinese template; a field's format spec, when it is a kind of the catalogue, labels the code."""

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec in CATALOGUE:
            return label(format_spec, str(value), ZH)
        return str(super().format_field(value, format_spec))


_FILLER = _Filler()


# A value with a shape of its own: what follows another value with no text between them, and ids and
# one-word kinds (so that ``no {kind} {target_id}`` words no other detail that begins with "no").
_SHAPES = {"more": r"(?: \(and \d+ more\))?", "later": r"(?: or .*)?", "kind": r"\S+", "target_id": r"\S+",
           "record_id": r"\S+"}


def _pattern(template: str) -> tuple[re.Pattern[str], str]:
    """The regular expression of a template and its longest run of text (a detail without it is not one
    the template words)."""
    parts, longest = [], ""
    for text, field, _, _ in Formatter().parse(template):
        parts.append(re.escape(text))
        longest = max(longest, text, key=len)
        if field is not None:
            parts.append(f"(?P<{field}>{_SHAPES.get(field, '.*?')})")
    return re.compile("".join(parts), re.DOTALL), longest


@cache
def _compiled() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str, bool, int, str]]]:
    fixed: dict[str, str] = {}
    templated: list[tuple[re.Pattern[str], str, bool, int, str]] = []
    for english, chinese in DETAILS.items():
        pattern, longest = _pattern(english)
        if pattern.groups:
            literal = sum(len(text) for text, *_ in Formatter().parse(english))
            templated.append((pattern, longest, english.startswith("{"), literal, chinese))
        else:
            fixed[english.replace("{{", "{").replace("}}", "}")] = chinese.replace("{{", "{").replace("}}", "}")
    return fixed, templated


def _best(detail: str) -> tuple[re.Match[str], str] | None:
    """The template that words ``detail``: of those that match, the one whose leading value is the
    shortest (``{code} cannot be left: {detail}`` rather than a template of the detail it quotes), then
    the one with the most text of its own."""
    found: list[tuple[int, int, re.Match[str], str]] = []
    for pattern, longest, leading, literal, chinese in _compiled()[1]:
        match = pattern.fullmatch(detail) if longest in detail else None
        if match:
            found.append((len(match.group(1)) if leading else 0, -literal, match, chinese))
    if not found:
        return None
    _, _, match, chinese = min(found, key=lambda f: (f[0], f[1]))
    return match, chinese


def _value(value: str, depth: int) -> str:
    fixed, _ = _compiled()
    if value in fixed:
        return fixed[value]
    if depth and " " in value.strip():
        return _chinese(value, depth - 1) or value
    return value


def _chinese(detail: str, depth: int = 2) -> str | None:
    fixed = _compiled()[0]
    if detail in fixed:
        return fixed[detail]
    best = _best(detail)
    if best is None:
        return None
    match, chinese = best
    return _FILLER.format(chinese, **{name: _value(value, depth) for name, value in match.groupdict().items()})


def localised(detail: str, lang: str) -> str | None:
    """``detail`` in ``lang`` when it is Chinese and a template words it; ``None`` when none does."""
    if lang != ZH:
        return detail
    return _chinese(detail)


def translate(detail: str, lang: str) -> str:
    """``detail`` in ``lang`` (as raised when no template words it)."""
    return localised(detail, lang) or detail
