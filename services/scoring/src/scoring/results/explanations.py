"""One person's result explained: recomposed from what the close stored, under the scheme version
it used, with rater anonymity and the rater settings that shaped it.
"""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.definitions import Rules
from scoring.domain import raters as rating_rules
from scoring.errors import ResultNotFound
from scoring.models import Close, Result, SchemeVersion
from scoring.results import groups as grouping
from scoring.results import masking, ranks, sentences
from scoring.results.compute import compose_person
from scoring.results.engine import Compact, means_from_json, to_reference
from scoring.results.listing import find_close, visible_units
from scoring.results.ranks import without_rank
from scoring.results.schemas import Explanation
from scoring.results.stored import score_str
from scoring.schemes.service import rules_at
from scoring.scope import Scope, scheme_for_person_or_404
from shared.i18n import lang_var
from shared.numbers import decimal_str
from shared.periods import Period


async def explain(session: AsyncSession, scheme_id: uuid.UUID, period: Period, person_id: uuid.UUID,
                  scope: Scope, *, version: int | None) -> Explanation:
    scheme = await scheme_for_person_or_404(session, scheme_id, scope, person_id)
    close = await find_close(session, scheme, period.code, version, scope, person_id=person_id)
    row = await session.get(Result, (close.id, person_id))
    units = None if scope.caller.is_person(person_id) else visible_units(scope, scheme)
    if row is None or (units is not None and str(row.unit_id) not in units):
        raise ResultNotFound(f"{person_id} has no result of {period.code} under scheme {scheme_id}")
    return await explanation_of(session, close, row, ranks=scope.sees(scheme) or await ranks.published_by(
        session, scheme.id))


async def explanation_of(session: AsyncSession, close: Close, row: Result, *, ranks: bool = True) -> Explanation:
    """A result explained, in sentences too; without its rank unless ``ranks`` (see ``scoring.results.ranks``)."""
    detail = await expand(session, close, str(row.person_id), row.detail)
    if not ranks:
        detail = without_rank(detail)
    version_ = await session.get(SchemeVersion, (close.scheme_id, close.scheme_version))  # loaded by expand
    assert version_ is not None
    rank = row.rank if ranks else None
    return Explanation(close_id=close.id, scheme_id=close.scheme_id, period=close.period, version=close.version,
                       scheme_version=close.scheme_version, published=close.published_at is not None,
                       person_id=row.person_id, score=score_str(row.score), rank=rank, grade=row.grade,
                       detail=detail, sentences=sentences.explain(detail, version_.definition, grade=row.grade,
                                                                  rank=rank, lang=lang_var.get()))


async def expand(session: AsyncSession, close: Close, person_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The full explanation from what the close stored: the person's inputs recomposed with the
    domain functions under the scheme version the close used, and the grade as it was given."""
    rules = await rules_at(session, close.scheme_id, close.scheme_version)
    mean_load = Fraction(close.summary.get("mean_task_load", "0"))
    means = means_from_json(close.summary.get("unit_means"))
    if "inputs" in stored:  # a quarter
        detail = compose_person(to_reference(person_id, stored["inputs"]), rules, mean_load, means).detail
        if detail["total"] != stored["total"]:
            raise RuntimeError(f"explanation of {person_id} in {close.id} does not recompose its total")
        detail["grade"] = {**stored["grade"], "of": close.summary.get("graded"), "slots": close.summary.get("slots")}
        within = close.summary.get("compare_within")
        if within:  # the person's group, its size and slots
            group = grouping.label(within, grouping.key_of_inputs(stored["inputs"], within))
            entry = grouping.find_entry(close.summary, group) or {}
            detail["grade"].update(group=group, of=entry.get("graded"), slots=entry.get("slots"))
        shown = rater_settings_shown(detail["evaluation"], stored["inputs"], rules)
        detail["evaluation"] = masking.evaluation(shown, rules)  # rater anonymity
        return detail
    detail = dict(stored)  # built from parts: they are listed; the year-end (period-end) part is recomposed
    key = "year_end" if "year_end_inputs" in stored else "period_end"
    year_end = stored.get(f"{key}_inputs")
    year_end_detail = None
    if year_end is not None:
        year_end_detail = compose_person(to_reference(person_id, year_end), rules, mean_load, means).detail
        year_end_detail["evaluation"] = masking.evaluation(
            rater_settings_shown(year_end_detail["evaluation"], year_end, rules), rules)
        detail[f"{key}_inputs"] = {**year_end, "ratings": masking.ratings_input(year_end["ratings"], rules)}
    detail[f"{key}_detail"] = year_end_detail
    return detail


def rater_settings_shown(shown: dict[str, Any] | None, inputs: Compact, rules: Rules) -> dict[str, Any] | None:
    """An explanation's evaluation with the scheme's rater settings where they shaped it: each trimmed
    group says so, and how many marks it dropped; an outside group that its raters used one-time
    codes; under rating dimensions, the dimensions each rating is the weighted sum of."""
    settings = rules.rater_settings
    if shown is None or settings == rating_rules.NO_RATER_SETTINGS:
        return shown
    dropped = inputs.get("trimmed") or {}
    groups = []
    for group in shown["groups"]:
        name = group["group"]
        if name in settings.trim:
            group = {**group, "trimmed": rating_rules.trim_note(name, dropped.get(name))}
        if name in settings.outside:
            group = {**group, "outside": "raters without an account, each rating once with a one-time code"}
        groups.append(group)
    out = {**shown, "groups": groups}
    if settings.dimensions:
        out["dimensions"] = {
            "rule": "each rating is the weighted sum of the rater's marks per dimension, rounded half up to 0.01",
            "weights": [{"code": d.code, "name": d.name, "weight": decimal_str(d.weight)} for d in settings.dimensions]}
    return out
