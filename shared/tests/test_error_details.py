"""Every error detail a service words has its Chinese text: the English of each raise site (its f-string
read as a template, ``{name}`` for each value) is a key of :data:`shared.details.DETAILS`, and renders back
in either language with the values filled in."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from string import Formatter

import pytest

from shared.details import DETAILS, _best, translate
from shared.i18n import field_message, localise, localise_errors
from shared.labels import EN, ZH

ROOT = Path(__file__).resolve().parents[2]
# Exceptions that never reach a client as they are worded (programming errors, import reasons with codes).
_SILENT = {"RuntimeError", "KeyError", "TypeError", "AssertionError", "NotImplementedError", "SystemExit",
           "RowProblem", "FileRefusal", "UnreadableFile", "Reason"}
# Worded where nothing is raised, then quoted by a detail: a procedure's conditions (why a stage cannot be left).
_QUOTED = {"Check"}


def _sources() -> list[Path]:
    roots = [ROOT / "shared" / "src", *sorted((ROOT / "services").glob("*/src"))]
    return sorted(path for root in roots for path in root.rglob("*.py"))


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _callee(node.func)
    if isinstance(node, ast.Await):  # raise await _gone(…)
        return _callee(node.value)
    return None


def _templates(node: ast.expr) -> Iterator[str]:
    """The English template(s) an expression words: an f-string's values become ``{name}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value.replace("{", "{{").replace("}", "}}")
    elif isinstance(node, ast.JoinedStr):
        parts, names = [], set[str]()
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            elif isinstance(value, ast.FormattedValue):
                base = name = _callee(value.value) or "value"
                while name in names:
                    name = f"{base}{len(names)}"
                names.add(name)
                parts.append("{" + name + "}")
        yield "".join(parts)
    elif isinstance(node, ast.IfExp):
        yield from _templates(node.body)
        yield from _templates(node.orelse)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from (left + right for left in _templates(node.left) for right in _templates(node.right))


def _raised(tree: ast.Module) -> set[str]:
    return {name for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc is not None
            and (name := _callee(node.exc)) is not None}


def _messages(call: ast.Call) -> Iterator[ast.expr]:
    """The ``message`` of each field a call names in its keywords (``errors=[{"field": …, "message": …}]``)."""
    for keyword in call.keywords:
        for node in ast.walk(keyword.value):
            if isinstance(node, ast.Dict):
                yield from (value for key, value in zip(node.keys, node.values, strict=True)
                            if isinstance(key, ast.Constant) and key.value == "message")


def raise_sites() -> dict[str, str]:
    """Each English template a client can be shown, and where it is worded (``path:line``): the text
    arguments of every call of what is raised somewhere (an error class or a helper building one), given
    as text, held in a variable of the same function or passed in by its callers (``_insert(…, f"…")``),
    and the ``message`` of each field it names; and every ``detail=`` a problem is answered with."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _sources()}
    makers = set().union(_QUOTED, *(_raised(tree) for tree in trees.values())) - _SILENT
    found: dict[str, str] = {}
    for path, tree in trees.items():
        where = path.relative_to(ROOT)
        relays: dict[str, str] = {}  # a function of this module → its parameter that a maker words
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for function in [tree, *functions]:
            params = [a.arg for a in function.args.args] if not isinstance(function, ast.Module) else []
            held: dict[str, list[ast.expr]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            held.setdefault(target.id, []).append(node.value)
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and _callee(node.func) in makers):
                    continue
                for argument in [*node.args, *_messages(node)]:
                    if isinstance(argument, ast.Name) and argument.id in params and argument.id not in held:
                        relays[getattr(function, "name", "")] = argument.id
                    given = held.get(argument.id, []) if isinstance(argument, ast.Name) else [argument]
                    for template in (t for value in given for t in _templates(value)):
                        if " " in template:  # not a field's name (``body.x``)
                            found.setdefault(template, f"{where}:{node.lineno}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):  # a problem answered without an error: problem(…, detail=f"…")
                for template in (t for k in node.keywords if k.arg == "detail" for t in _templates(k.value)):
                    found.setdefault(template, f"{where}:{node.lineno}")
            if isinstance(node, ast.Call) and (name := _callee(node.func)) in relays:
                function = next(f for f in functions if f.name == name)
                index = [a.arg for a in function.args.args].index(relays[name])
                passed = [*node.args[index:index + 1], *(k.value for k in node.keywords if k.arg == relays[name])]
                for template in (t for value in passed for t in _templates(value)):
                    if " " in template:
                        found.setdefault(template, f"{where}:{node.lineno}")
    return found


def test_every_worded_detail_has_its_chinese_text() -> None:
    sites = raise_sites()
    assert len(sites) > 300
    missing = sorted(f"{where}: {template!r}" for template, where in sites.items()
                     if template not in DETAILS and not _only_values(template))
    assert missing == []


def _only_values(template: str) -> bool:
    """A template of values alone (``{exc}``, ``{a}: {b}``) words nothing of its own."""
    return not "".join(literal for literal, *_ in Formatter().parse(template)).strip(" :;,.()")


def test_every_chinese_text_names_only_values_of_its_english() -> None:
    fields = Formatter()
    broken = [en for en, zh in DETAILS.items()
              if not {f for _, f, _, _ in fields.parse(zh) if f} <= {f for _, f, _, _ in fields.parse(en) if f}]
    assert broken == []


@pytest.mark.parametrize(("english", "chinese"), [
    ("version 3 of scheme 5d2c is a draft, not submitted for review: only a version its region's organisation "
     "department approved opens rating rounds or closes a period",
     "方案 5d2c 的第 3 版还是草稿，尚未报送审核：只有经本地区组织部审核通过的版本才能开启测评或结算周期"),
    ("weights under indicators add up to 90%, not 100%", "indicators 下的权重合计为 90%，而不是 100%"),
    ("name at least one field", "请至少指定一个字段"),
    ("7 row(s): no such person in region 9f (and 2 more)", "7 处有误：地区 9f 中没有此人（另有 2 处）"),
    ("3 row(s): the same person twice", "3 处有误：同一人出现了两次"),
    ("no result of 2025Q1 under scheme 5d", "方案 5d 没有 2025Q1 的结果"),
    ("no published result of 2025Q1 under scheme 5d", "方案 5d 没有 2025Q1 的已公布的结果"),
    ("the bottom list is of a quarter (like 2025Q1), not a year (2025)",
     "末位名单按季度（如 2025Q1）产生，而不是年度（2025）"),
])
def test_a_detail_renders_in_chinese_with_its_values(english: str, chinese: str) -> None:
    assert translate(english, ZH) == chinese
    assert translate(english, EN) == english


def test_a_detail_no_template_knows_stays_as_raised() -> None:
    assert translate("something nobody wrote", ZH) == "something nobody wrote"


def test_a_field_and_a_validator_in_chinese() -> None:
    """Each field a domain rule names, and a validator's ``ValueError`` pydantic reports, in Chinese too."""
    errors = [{"field": "body.lead_share", "message": "the same person twice"}, {"field": "body.x", "message": "odd"}]
    assert localise_errors(errors, ZH) == [{"field": "body.lead_share", "message": "同一人出现了两次"},
                                           {"field": "body.x", "message": "odd"}]
    assert localise_errors(errors, EN) == errors
    raised = {"type": "value_error", "msg": "Value error, active_to is before active_from"}
    assert field_message(raised, ZH) == "active_to 早于 active_from"
    assert field_message({"type": "value_error", "msg": "Value error, unforeseen"}, ZH) == "取值无效"
    assert field_message(raised, EN) == raised["msg"]


def test_a_fixed_sentence_when_no_template_words_the_detail() -> None:
    assert localise(409, "conflict", "Conflict", "something unforeseen", ZH) == ("操作冲突", "操作冲突。")
    assert localise(404, "scheme_not_found", "No such scheme", "no scheme 5d", ZH) == (
        "考核方案不存在", "考核方案 5d 不存在")
    assert localise(404, "scheme_not_found", "No such scheme", "no scheme 5d", EN) == ("No such scheme", "no scheme 5d")


_SAMPLES = {"more": " (and 2 more)", "later": " or wait"}
_FIELD = re.compile(r"\{\w*(:\w+)?\}")


def _unnamed(chinese: str) -> str:
    """A Chinese template with its fields unnamed (``{}``, ``{:kind}``): two that differ only in their
    names word a detail alike."""
    return _FIELD.sub(lambda found: "{" + (found.group(1) or "") + "}", chinese)


def test_each_template_words_its_own_details() -> None:
    """No template takes the details of another: each, filled with values, is matched by itself (or by
    one with the same Chinese but for the names of its fields)."""
    fields = Formatter()
    taken = []
    for english, chinese in DETAILS.items():
        names = [f for _, f, _, _ in fields.parse(english) if f]
        if not names:
            continue
        filled = english.format(**{name: _SAMPLES.get(name, f"V{i}") for i, name in enumerate(names)})
        best = _best(filled)
        if best is None or _unnamed(best[1]) != _unnamed(chinese):
            taken.append((english, best and best[1]))
    assert taken == []
