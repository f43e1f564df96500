"""The one statement of the period summary (records.summary), written for the fields asked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from records.attendance.models import LEAVE
from records.db import SCHEMA
from shared.periods import Period

# One statement does the whole summary (a province's group is 200,000 people, ~90 MB of JSON):
# PostgreSQL reads each source once, aggregates it per person, joins the aggregates to the people
# and writes each person's JSON object itself; Python only joins the objects into the array. The
# JSON is byte for byte what orjson wrote from the per-person dicts this replaced: the same keys
# in the same order, UUIDs as strings, the Decimals as strings rounded half-even as Python rounds
# them (PostgreSQL's round() is half-up: _half_even), attendance as {status: count} in the
# column's collation order, the people in staff number order (or by id, if asked).
#
# A province (100,000 people, 960,000 weekly records, 1,000,000 days: 1.4 s with both cores free,
# 1.6-1.9 s on busy ones) is CPU-bound in the two per-person hash aggregates, not in reading.
# Measured and left out: covering indexes for index-only scans (work_logs (unit_id, iso_year,
# iso_week) INCLUDE (person_id, submitted_at) reads half the pages; attendance (unit_id, day)
# INCLUDE (person_id, status) is no smaller than the table): no faster, and 10-17% more time to
# insert weekly records; the attendance counts packed into bigint sums rather than one FILTER a
# status: no faster; parallel workers: 1.28 s for 1.42 with both cores free, no faster on busy ones,
# and a close's own work would share the cores with them (see PREPARE).
#
# Parameters: $1 the unit ids; $2, $3 the period's first and last day; $4, $5 its first and last
# ISO week as iso_year * 100 + iso_week, $6/$7 and $8/$9 the same as (iso_year, iso_week); $10/$11
# and $12/$13 its first and last month as (year, month); $14, $15 the calendar year of its first
# day; $16 the on-time deadline of each week from $4 to $5 (from PREPARE); $17 whether to count the
# year's leave (a scan of the year's attendance for a province; a one-time false filter without it);
# $18 the fewest days on the roster that put a person in the period's scope (shared.periods.min_days);
# $19 the days after a week's end its record is on time until (the deadlines' log_deadline_days);
# $20 the day of its month a monthly report is on time until (report_deadline_day; past the month's
# last day: the last day); $21 the regions' time zone, where the day of a submission is told.
S = SCHEMA

#: the local day of submission is at most log_deadline_days after the week's Sunday (by default the
#: Monday after: work_logs.service.on_time)
_ON_TIME_PER_ROW = ("date(timezone($21::text, w.submitted_at)) "
                    "<= to_date(concat(w.iso_year, '-', w.iso_week, '-7'), 'IYYY-IW-ID') + $19::int")

#: the local day of submission is at most the deadline day of the report's month (or its last day)
_REPORT_ON_TIME_PER_ROW = ("date(timezone($21::text, r.submitted_at)) <= make_date(r.year, r.month, least($20::int, "
                           "extract(day FROM make_date(r.year, r.month, 1) + interval '1 month - 1 day')::int))")

#: the database collations that order text as its bytes (UTF-8: by code point), as "C" does
_BYTEWISE = ("C", "POSIX", "C.UTF-8", "C.utf8")

#: What the summary statement needs first: the statuses in the database's order (the keys of
#: attendance); the first instant after each week's due day ($4 days after its Sunday), in the
#: regions' time zone ($5), for the weeks $1 to $2
#: (NULL where the key is no ISO week): _ON_TIME_PER_ROW once a week, not once a record; whether
#: staff numbers sort as their bytes (then as COLLATE "C", which sorts faster); and, for this
#: transaction, a province's hash tables and final sort in memory, a plan made for these units
#: rather than a generic one for any (asyncpg prepares the statement once a connection), and no
#: parallel workers: a close sums its ratings while this runs, and workers would compete with it
#: for the cores (a province: 3.4-4.0 CPU-seconds without them, 4.3 with, no faster alone).
PREPARE = f"""
SELECT (SELECT array_agg(s ORDER BY s) FROM unnest($3::varchar[]) AS s) AS statuses,
       (SELECT array_agg(CASE WHEN k % 100 BETWEEN 1 AND 53 THEN timezone($5::text,
                   (to_date(concat(k / 100, '-', k % 100, '-7'), 'IYYY-IW-ID') + 1 + $4::int)::timestamp) END
                   ORDER BY k)
        FROM generate_series($1::int, $2::int) AS k) AS deadlines,
       (SELECT coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' AND d.datcollate IN {_BYTEWISE}
               OR to_jsonb(d) ->> 'datlocprovider' = 'b' AND to_jsonb(d) ->> 'datlocale' IN ('C', 'C.UTF-8')
        FROM pg_database AS d WHERE d.datname = current_database())
       AND (SELECT attcollation = 100 FROM pg_attribute
            WHERE attrelid = '{S}.persons'::regclass AND attname = 'staff_no') AS bytewise,
       set_config('work_mem', '128MB', true), set_config('plan_cache_mode', 'force_custom_plan', true),
       set_config('max_parallel_workers_per_gather', '0', true)
"""  # noqa: S608 (no input in the text)


def weeks_in_period(t: str) -> str:
    """iso_year * 100 + iso_week between $4 and $5, written on the columns where the week is a
    real one (1-53) so that the planner can estimate it from their statistics."""
    return (f"({t}.iso_week BETWEEN 1 AND 53 AND ({t}.iso_year > $6 OR {t}.iso_year = $6 AND {t}.iso_week >= $7)"
            f" AND ({t}.iso_year < $8 OR {t}.iso_year = $8 AND {t}.iso_week <= $9)"
            f" OR ({t}.iso_week < 1 OR {t}.iso_week > 53) AND {t}.iso_year * 100 + {t}.iso_week BETWEEN $4 AND $5)")


def months_in_period(t: str) -> str:
    """year * 100 + month between the period's first and last month (month is 1-12: a constraint)."""
    return (f"({t}.year > $10 OR {t}.year = $10 AND {t}.month >= $11)"
            f" AND ({t}.year < $12 OR {t}.year = $12 AND {t}.month <= $13)")


def _half_even(value: str, places: int) -> str:
    """Python's round(Decimal, places) (ROUND_HALF_EVEN) of a non-negative numeric, as text."""
    scale = 10 ** places
    return (f"(CASE WHEN {value} * {scale} % 1 = 0.5 AND trunc({value} * {scale}) % 2 = 0 "
            f"THEN trunc({value}, {places}) ELSE round({value}, {places}) END)::text")


#: Each field of a person's summary: its JSON (a format() piece and its argument, over q below)
#: and the per-person aggregates it needs (l: weekly records, r: monthly reports, m: leader marks,
#: t: tasks, d: the period's attendance, v: the rest of the year's leave, s: the person's section).
_FIELDS: dict[str, tuple[str, str, str]] = {
    "person_id": ('"person_id":"%s"', "q.person_id", ""),
    "staff_no": ('"staff_no":%s', "to_json(q.staff_no)", ""),
    "name": ('"name":%s', "to_json(q.name)", ""),
    "unit_id": ('"unit_id":"%s"', "q.unit_id", ""),
    "section_id": ('"section_id":%s', "coalesce('\"' || q.section_id || '\"', 'null')", ""),
    "section_name": ('"section_name":%s', "coalesce(to_json(q.section_name)::text, 'null')", "s"),
    "section_coefficient": ('"section_coefficient":%s',
                            "coalesce('\"' || q.section_coefficient::text || '\"', 'null')", "s"),
    "post": ('"post":%s', "coalesce(to_json(q.post)::text, 'null')", ""),
    "staff_category": ('"staff_category":%s', "to_json(q.staff_category)", ""),
    "days_in_period": ('"days_in_period":%s', "q.days", ""),
    "weeks_due": ('"weeks_due":%s', "q.weeks_due", ""),
    "weeks_submitted": ('"weeks_submitted":%s', "coalesce(q.submitted, 0)", "l"),
    "weeks_on_time": ('"weeks_on_time":%s', "coalesce(q.timely, 0)", "l"),
    "months_due": ('"months_due":%s', "q.months_due", ""),
    "monthly_reports": ('"monthly_reports":%s', "coalesce(q.reports, 0)", "r"),
    "reports_on_time": ('"reports_on_time":%s', "coalesce(q.reports_timely, 0)", "r"),
    "mean_leader_mark": ('"mean_leader_mark":%s', f"coalesce('\"' || {_half_even('q.mean', 2)} || '\"', 'null')",
                         "m"),
    "tasks": ('"tasks":%s', "coalesce(q.tasks, 0)", "t"),
    "task_load": ('"task_load":"%s"', f"coalesce({_half_even('q.load', 4)}, '0')", "t"),
    "task_completion": ('"task_completion":%s',
                        f"coalesce('\"' || {_half_even('q.completion', 2)} || '\"', 'null')", "t"),
    "attendance": ('"attendance":{%s}', "q.attendance", "d"),
    "leave_days_in_year": ('"leave_days_in_year":%s', "coalesce(q.leave::text, 'null')", "dv"),
}

#: Always true: gives every parameter its type when no aggregate asked for reads it (the database
#: refuses a statement with a parameter of unknown type); folded away when the statement is planned.
_TYPED = ("num_nulls($4::int, $5::int, $6::int, $7::int, $8::int, $9::int, $10::int, $11::int, $12::int, $13::int, "
          "$14::date, $15::date, $16::timestamptz[], $17::bool, $18::int, $19::int, $20::int, $21::text) >= 0")

#: Every field, in the order of the JSON object (that of PersonSummary).
FIELDS = tuple(_FIELDS)


#: How a summary's people are ordered: by staff number (as people read it), or by person id.
SummaryOrder = Literal["staff_no", "person_id"]


def summary_sql(statuses: list[str], bytewise: bool, fields: Sequence[str] = FIELDS,
                 order: SummaryOrder = "staff_no") -> str:
    """The statement, given the attendance statuses in the database's order and whether staff
    numbers sort as their bytes (both from PREPARE), for the fields asked (in FIELDS order, with
    person_id) and the people in ``order``: the aggregates no field asked for are left out."""
    chosen = [f for f in FIELDS if f == "person_id" or f in fields]
    needs = set("".join(_FIELDS[f][2] for f in chosen))
    pattern = ",".join(_FIELDS[f][0] for f in chosen)
    arguments = ", ".join(_FIELDS[f][1] for f in chosen)
    counts = ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS \"{s}\"" for s in statuses)
    attendance = ", ".join(f"'\"{s}\":' || nullif(d.\"{s}\", 0)" for s in statuses)
    leave = " + ".join(f"coalesce(d.\"{s}\", 0)" for s in LEAVE) + " + coalesce(v.leave, 0)"
    joins = {
        "l": """
    LEFT JOIN (
        -- on time: before the week's deadline ($16), or by the rule itself for a week that is none
        SELECT w.person_id, count(*) AS submitted,
               count(*) FILTER (WHERE CASE WHEN w.iso_week BETWEEN 1 AND 53
                   THEN coalesce(w.submitted_at < ($16::timestamptz[])[w.iso_year * 100 + w.iso_week - $4 + 1],
                                 {on_time})
                   ELSE {on_time} END) AS timely
        FROM {S}.work_logs AS w
        WHERE w.unit_id = ANY($1::uuid[]) AND {weeks_w}
        GROUP BY w.person_id
    ) AS l ON l.person_id = p.person_id""",
        "r": """
    LEFT JOIN (
        SELECT r.person_id, count(*) AS reports, count(*) FILTER (WHERE {report_on_time}) AS reports_timely
        FROM {S}.monthly_reports AS r
        WHERE r.unit_id = ANY($1::uuid[]) AND {months_r}
        GROUP BY r.person_id
    ) AS r ON r.person_id = p.person_id""",
        "m": """
    LEFT JOIN (
        -- the marks on the period's weekly records and monthly reports in the units
        SELECT person_id, avg(mark) AS mean FROM (
            SELECT c.person_id, c.mark FROM {S}.work_logs AS w
            JOIN {S}.leader_comments AS c ON c.target_kind = 'work_log' AND c.target_id = w.id
            WHERE w.unit_id = ANY($1::uuid[]) AND {weeks_w}
            UNION ALL
            SELECT c.person_id, c.mark FROM {S}.monthly_reports AS r
            JOIN {S}.leader_comments AS c ON c.target_kind = 'monthly_report' AND c.target_id = r.id
            WHERE r.unit_id = ANY($1::uuid[]) AND {months_r}
        ) AS marks
        GROUP BY person_id
    ) AS m ON m.person_id = p.person_id""",
        "t": """
    LEFT JOIN (
        -- each holder's share of a task's load (quantity x intensity x difficulty): the lead's (all
        -- of it for a task of one owner) and each co-owner's (协办)
        SELECT person_id, count(*) AS tasks, sum(load) AS load, sum(load * progress) / sum(load) AS completion
        FROM (
            SELECT t.person_id, t.progress, CASE WHEN t.lead_share = 1 THEN t.quantity * t.intensity * t.difficulty
                   ELSE t.quantity * t.intensity * t.difficulty * t.lead_share END AS load
            FROM {S}.tasks AS t
            WHERE t.unit_id = ANY($1::uuid[]) AND t.status <> 'cancelled' AND t.due_on BETWEEN $2::date AND $3::date
            UNION ALL
            SELECT o.person_id, t.progress, t.quantity * t.intensity * t.difficulty * o.share AS load
            FROM {S}.tasks AS t JOIN {S}.task_co_owners AS o ON o.task_id = t.id
            WHERE t.unit_id = ANY($1::uuid[]) AND t.status <> 'cancelled' AND t.due_on BETWEEN $2::date AND $3::date
        ) AS held
        GROUP BY person_id
    ) AS t ON t.person_id = p.person_id""",
        "d": """
    LEFT JOIN (
        SELECT person_id, {counts}
        FROM {S}.attendance
        WHERE unit_id = ANY($1::uuid[]) AND day BETWEEN $2::date AND $3::date
        GROUP BY person_id
    ) AS d ON d.person_id = p.person_id""",
        "v": """
    LEFT JOIN (
        -- the rest of the year's leave in any unit (d has the period's in the units): a few index
        -- lookups a person for a county (attendance_leave_idx), a scan for a province
        SELECT person_id, count(*) AS leave FROM {S}.attendance
        WHERE $17 AND person_id IN (SELECT person_id FROM {S}.assignments WHERE unit_id = ANY($1::uuid[]))
          AND status IN {LEAVE} AND day BETWEEN $14::date AND $15::date
          AND NOT (unit_id = ANY($1::uuid[]) AND day BETWEEN $2::date AND $3::date)
        GROUP BY person_id
    ) AS v ON v.person_id = p.person_id""",
        "s": """
    LEFT JOIN {S}.sections AS sec ON sec.id = p.section_id""",
    }
    parts = {"on_time": _ON_TIME_PER_ROW, "report_on_time": _REPORT_ON_TIME_PER_ROW, "S": S,
             "weeks_w": weeks_in_period("w"), "months_r": months_in_period("r"), "counts": counts, "LEAVE": LEAVE}
    joined = "".join(joins[k].format(**parts) for k in "lrmtdvs" if k in needs)
    columns = {
        "l": "l.submitted, l.timely", "r": "r.reports, r.reports_timely", "m": "m.mean",
        "t": "t.tasks, t.load, t.completion",
        "d": f"concat_ws(',', {attendance}) AS attendance", "v": f"CASE WHEN $17 THEN {leave} END AS leave",
        "s": "sec.name AS section_name, sec.coefficient AS section_coefficient"}
    absent = {"l": "NULL::bigint AS submitted, NULL::bigint AS timely",
              "r": "NULL::bigint AS reports, NULL::bigint AS reports_timely",
              "m": "NULL::numeric AS mean",
              "t": "NULL::bigint AS tasks, NULL::numeric AS load, NULL::numeric AS completion",
              "d": "NULL::text AS attendance", "v": "NULL::bigint AS leave",
              "s": "NULL::text AS section_name, NULL::numeric AS section_coefficient"}
    # (v's column reads d's leave too: it is only asked for with d, see _FIELDS)
    selected = ", ".join(columns[k] if k in needs else absent[k] for k in "lrmtdvs")
    sort = "p.person_id" if order == "person_id" else 'x.staff_no COLLATE "C"' if bytewise else "x.staff_no"
    # the people's names and staff numbers only where they are given or ordered by (every placement's
    # person exists: a foreign key), not for a program asking by person id for aggregates alone
    named = order == "staff_no" or "staff_no" in chosen or "name" in chosen
    person = "x.staff_no, x.name" if named else "NULL::text AS staff_no, NULL::text AS name"
    persons = f"\n    JOIN {S}.persons AS x ON x.id = p.person_id" if named else ""
    return f"""
WITH placed AS MATERIALIZED (
    -- the placements in the period, clipped to it (materialized: sorted by person below rather
    -- than read in person order through an index, a random read a row)
    SELECT person_id, unit_id, section_id, post, staff_category, active_from,
           greatest(active_from, $2::date) AS first_day, least(coalesce(active_to, $3::date), $3::date) AS last_day
    FROM {S}.assignments
    WHERE unit_id = ANY($1::uuid[]) AND active_from <= $3::date AND (active_to IS NULL OR active_to >= $2::date)
      AND {_TYPED}
)
SELECT convert_to(format('{{{pattern}}}', {arguments}), 'UTF8')
FROM (
    SELECT p.person_id, {person}, p.unit_id, p.section_id, p.post, p.staff_category, p.days, p.weeks_due,
           p.months_due, {selected}
    FROM (
        -- days, weeks and months due add up over the placements; the latest describes the person
        SELECT DISTINCT ON (person_id) person_id, unit_id, section_id, post, staff_category,
               sum(last_day - first_day + 1) OVER w AS days,
               -- Mondays: 1900-01-01 was one
               sum((last_day - date '1900-01-01') / 7 - (first_day - date '1900-01-02') / 7) OVER w AS weeks_due,
               sum((date_part('year', last_day) * 12 + date_part('month', last_day))::int
                   - (date_part('year', first_day) * 12 + date_part('month', first_day))::int + 1) OVER w
                   AS months_due
        FROM placed
        WINDOW w AS (PARTITION BY person_id)
        ORDER BY person_id, active_from DESC
    ) AS p{persons}{joined}
    -- in the period's scope: on the roster of these units for at least its share of the period
    WHERE p.days >= $18::int
    ORDER BY {sort}
) AS q
"""  # noqa: S608 (no input in the text: the statuses are the model's, the fields from FIELDS)


def parameters(unit_ids: list[uuid.UUID], period: Period) -> list[Any]:
    (first_year, first_week, _), (last_year, last_week, _) = period.start.isocalendar(), period.end.isocalendar()
    start, end = period.start, period.end
    return [unit_ids, start, end, first_year * 100 + first_week, last_year * 100 + last_week,
            first_year, first_week, last_year, last_week, start.year, start.month, end.year, end.month,
            date(start.year, 1, 1), date(start.year, 12, 31)]
