"""Who may call which public route: every route is declared here, and anything undeclared is 404.

Roles: P province_admin, R region_admin, U unit_admin, L leader, M member. API keys carry
scopes instead (each key acts for its region, except an ``apportion`` key): ``results:read``,
``inputs:write``, ``apportion``, ``webhooks:manage``, and for a province's systems pulling the
roster and the schemes ``schemes:read`` (list, get), ``units:read`` (list, get) and
``persons:read`` (a person, a search, a unit's members). The services then check each object
against the caller's region, unit or person, so a unit administrator of A gets 404 for anything of B.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

P, R, U, L, M = "province_admin", "region_admin", "unit_admin", "leader", "member"
ADMINS = frozenset({P, R})
UNIT_MANAGERS = ADMINS | {U}
UNIT_STAFF = UNIT_MANAGERS | {L}
EVERYONE = UNIT_STAFF | {M}
# A route anyone may call without signing in: the request itself is the credential (a one-time
# rating code); it is rate-limited per client address like sign-in, and reaches the service as PUBLIC_CALLER.
PUBLIC = frozenset({"public"})
# every scope a key may hold (gateway.auth.schemas.Scope): whoami and the catalogue are open to each
KEY_SCOPES = ("results:read", "inputs:write", "apportion", "webhooks:manage", "schemes:read", "units:read",
              "persons:read")


@dataclass(frozen=True)
class Rule:
    method: str
    template: str
    roles: frozenset[str]
    scopes: frozenset[str] = frozenset()
    # False: an Idempotency-Key is not honoured, so the answer is never kept (it holds secrets shown
    # once, or the caller is anonymous and a key would be shared by everyone)
    replayable: bool = True

    @property
    def pattern(self) -> re.Pattern[str]:
        # Parameters match one path segment (or its part before a suffix such as ".xlsx"); the rest literally.
        parts = re.split(r"(\{\w+\})", self.template)
        return re.compile("^" + "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p)
                                        for p in parts) + "$")


def rule(method: str, template: str, roles: frozenset[str], *scopes: str, replayable: bool = True) -> Rule:
    return Rule(method, template, roles, frozenset(scopes), replayable)


RULES: tuple[Rule, ...] = (
    rule("GET", "/api/v1/records/version", EVERYONE),
    # an export job's file: its requester's and its region administrators' (the service checks the job)
    rule("GET", "/api/v1/records/jobs/{job_id}/file", UNIT_STAFF, "results:read"),
    rule("GET", "/api/v1/records/whoami", EVERYONE, *KEY_SCOPES),
    rule("POST", "/api/v1/records/regions", frozenset({P})),
    rule("GET", "/api/v1/records/regions", ADMINS, "results:read"),
    rule("GET", "/api/v1/records/regions/{region_id}", ADMINS, "results:read"),
    rule("GET", "/api/v1/records/regions/{region_id}/headcounts", ADMINS, "results:read"),
    rule("PUT", "/api/v1/records/regions/{region_id}/settings", ADMINS),
    rule("POST", "/api/v1/records/units", ADMINS),
    rule("POST", "/api/v1/records/regions/{region_id}/roster/import", ADMINS),
    rule("POST", "/api/v1/records/regions/{region_id}/roster/stream", ADMINS, "inputs:write"),
    rule("GET", "/api/v1/records/regions/{region_id}/roster/export", ADMINS),
    rule("GET", "/api/v1/records/units", UNIT_STAFF, "units:read"),
    rule("GET", "/api/v1/records/units/{unit_id}", UNIT_STAFF, "units:read"),
    rule("PATCH", "/api/v1/records/units/{unit_id}", ADMINS),
    rule("POST", "/api/v1/records/units/{unit_id}/sections", UNIT_MANAGERS),
    rule("GET", "/api/v1/records/units/{unit_id}/sections", UNIT_STAFF),
    rule("PATCH", "/api/v1/records/units/{unit_id}/sections/{section_id}", UNIT_MANAGERS),
    rule("GET", "/api/v1/records/units/{unit_id}/members", UNIT_STAFF, "persons:read"),
    rule("GET", "/api/v1/records/units/{unit_id}/outstanding", UNIT_STAFF),
    rule("POST", "/api/v1/records/persons", UNIT_MANAGERS),
    # before {person_id}: the first rule matching wins
    rule("GET", "/api/v1/records/persons/search", EVERYONE, "persons:read"),
    rule("GET", "/api/v1/records/persons/{person_id}", EVERYONE, "persons:read"),
    rule("POST", "/api/v1/records/persons/names", EVERYONE),
    rule("POST", "/api/v1/records/persons/{person_id}/moves", UNIT_MANAGERS),
    rule("POST", "/api/v1/records/attendance/import", UNIT_MANAGERS),
    rule("POST", "/api/v1/records/attendance/stream", UNIT_MANAGERS),
    rule("PUT", "/api/v1/records/attendance", UNIT_MANAGERS),
    rule("GET", "/api/v1/records/attendance", EVERYONE),
    rule("GET", "/api/v1/records/attendance/changes", EVERYONE),
    rule("GET", "/api/v1/records/changes", EVERYONE),
    rule("GET", "/api/v1/records/changes/latest", UNIT_STAFF),
    rule("GET", "/api/v1/records/changes/{record_kind}/{record_id}", EVERYONE),
    rule("GET", "/api/v1/records/attendance/export", UNIT_STAFF),
    rule("POST", "/api/v1/records/work-logs", EVERYONE),
    rule("PATCH", "/api/v1/records/work-logs/{log_id}", EVERYONE),
    rule("GET", "/api/v1/records/work-logs", EVERYONE),
    rule("POST", "/api/v1/records/monthly-reports", EVERYONE),
    rule("PATCH", "/api/v1/records/monthly-reports/{report_id}", EVERYONE),
    rule("PUT", "/api/v1/records/comments", UNIT_STAFF),
    rule("GET", "/api/v1/records/comments/{target_kind}/{target_id}", EVERYONE),
    rule("POST", "/api/v1/records/tasks", UNIT_MANAGERS),
    rule("POST", "/api/v1/records/tasks/import", UNIT_MANAGERS),
    rule("POST", "/api/v1/records/tasks/stream", UNIT_MANAGERS),
    rule("GET", "/api/v1/records/tasks/export", UNIT_STAFF),
    rule("GET", "/api/v1/records/tasks", EVERYONE),
    rule("GET", "/api/v1/records/tasks/{task_id}", EVERYONE),
    rule("PATCH", "/api/v1/records/tasks/{task_id}", UNIT_MANAGERS),
    rule("POST", "/api/v1/records/tasks/{task_id}/progress", EVERYONE),
    rule("POST", "/api/v1/records/tasks/{task_id}/confirm", UNIT_STAFF),
    rule("POST", "/api/v1/records/honours", UNIT_MANAGERS),
    rule("GET", "/api/v1/records/honours", EVERYONE),
    rule("GET", "/api/v1/records/honours/{honour_id}", EVERYONE),
    rule("POST", "/api/v1/records/honours/{honour_id}/void", UNIT_MANAGERS),
    rule("GET", "/api/v1/records/units/{unit_id}/summary", UNIT_STAFF),
    rule("GET", "/api/v1/records/regions/{region_id}/groups/{group}/summary", ADMINS),
    rule("GET", "/api/v1/records/templates/{kind}.xlsx", UNIT_MANAGERS),
    # the caller's own event feed (no ids asked: the service reads the caller's person and units)
    rule("GET", "/api/v1/records/events", EVERYONE),
    rule("GET", "/api/v1/records/events/count", EVERYONE),
    # the caller's own to-do, for /api/v1/me/todo (each service answers for the caller)
    rule("GET", "/api/v1/records/todo", EVERYONE),
    rule("GET", "/api/v1/scoring/version", EVERYONE),
    # an export job's file: its requester's and its region administrators' (the service checks the job)
    rule("GET", "/api/v1/scoring/jobs/{job_id}/file", UNIT_STAFF, "results:read"),
    rule("POST", "/api/v1/scoring/schemes/indicators/check", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/grades/preview", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/schemes", UNIT_STAFF, "schemes:read"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}", EVERYONE, "schemes:read"),  # also the people it evaluates
    rule("PATCH", "/api/v1/scoring/schemes/{scheme_id}", ADMINS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/versions", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/submit", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/return", ADMINS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/approve", ADMINS),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/review", UNIT_STAFF),
    rule("GET", "/api/v1/scoring/regions/{region_id}/requirements", UNIT_MANAGERS),
    rule("PUT", "/api/v1/scoring/regions/{region_id}/requirements", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/schemes/review", ADMINS),
    rule("POST", "/api/v1/scoring/regions/{region_id}/bulletins", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/bulletins", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}.docx", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}", ADMINS),
    rule("PATCH", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}", ADMINS),
    rule("POST", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}/issue", ADMINS),
    rule("PUT", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/marks", UNIT_MANAGERS, "inputs:write"),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/adjustments", UNIT_MANAGERS, "inputs:write"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/adjustments", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/negative-events", UNIT_MANAGERS,
         "inputs:write"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/negative-events", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/adjustments/{adjustment_id}/void", UNIT_MANAGERS, "inputs:write"),
    rule("PATCH", "/api/v1/scoring/adjustments/{adjustment_id}", UNIT_MANAGERS, "inputs:write"),
    rule("POST", "/api/v1/scoring/negative-events/{event_id}/void", UNIT_MANAGERS, "inputs:write"),
    rule("PATCH", "/api/v1/scoring/negative-events/{event_id}", UNIT_MANAGERS, "inputs:write"),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/marks/{person_id}/{indicator}/void",
         UNIT_MANAGERS, "inputs:write"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/changes", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/rounds", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/rounds/{round_id}", EVERYONE),
    rule("PUT", "/api/v1/scoring/rounds/{round_id}/ratings", EVERYONE),
    rule("GET", "/api/v1/scoring/rounds/{round_id}/ratings/mine", EVERYONE),
    rule("POST", "/api/v1/scoring/rounds/{round_id}/close", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/rounds/{round_id}/codes", UNIT_MANAGERS, replayable=False),
    rule("GET", "/api/v1/scoring/rounds/{round_id}/codes", UNIT_MANAGERS),
    rule("PATCH", "/api/v1/scoring/rounds/{round_id}", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/rounds/{round_id}/raters", UNIT_MANAGERS),
    rule("DELETE", "/api/v1/scoring/rounds/{round_id}/raters/{rater_id}", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/rounds/{round_id}/raters/{rater_id}/replace", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/rounds/{round_id}/people", UNIT_MANAGERS),
    rule("DELETE", "/api/v1/scoring/rounds/{round_id}/people/{person_id}", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/rounds/{round_id}/reopen", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/rounds/{round_id}/history", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/ballots/by-code", PUBLIC, replayable=False),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/close", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/readiness", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/versions", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/results", UNIT_STAFF, "results:read"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/results.xlsx", UNIT_STAFF, "results:read"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/bottom", UNIT_STAFF, "results:read"),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/people/{person_id}/explanation", EVERYONE,
         "results:read"),
    rule("GET", "/api/v1/scoring/results/{close_id}/compare/{other_id}", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/results/{close_id}/publish", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/results/{close_id}/objections", EVERYONE),
    rule("GET", "/api/v1/scoring/objections", EVERYONE),
    rule("GET", "/api/v1/scoring/objections/{objection_id}", EVERYONE),
    rule("POST", "/api/v1/scoring/objections/{objection_id}/review", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/years/{year}/bonus", UNIT_MANAGERS),
    # the procedure: the service checks each stage's actor (a final stage may be the region's to enter)
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure", UNIT_STAFF),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure/advance", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure/back", UNIT_MANAGERS),
    rule("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure/publicity", EVERYONE),
    rule("GET", "/api/v1/scoring/units/{unit_id}/outstanding", UNIT_STAFF),
    # a cadre's file: the region's officers read it (with a reason, recorded); the person sees the reads
    rule("GET", "/api/v1/scoring/persons/{person_id}/file", ADMINS),
    rule("GET", "/api/v1/scoring/persons/{person_id}/file.xlsx", ADMINS),
    rule("GET", "/api/v1/scoring/persons/{person_id}/file/reads", EVERYONE),
    rule("GET", "/api/v1/scoring/regions/{region_id}/periods/{period}/calibration", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/years/{year}/lists/{list_name}.xlsx", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/years/{year}/lists/{list_name}", ADMINS),
    # supervision (督导): the region's officers inspect and issue; a unit answers its own notices
    rule("GET", "/api/v1/scoring/regions/{region_id}/progress", ADMINS),
    rule("POST", "/api/v1/scoring/regions/{region_id}/inspections", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/inspections", ADMINS),
    rule("POST", "/api/v1/scoring/regions/{region_id}/notices", ADMINS),
    rule("GET", "/api/v1/scoring/regions/{region_id}/notices", ADMINS),
    rule("GET", "/api/v1/scoring/units/{unit_id}/notices", UNIT_STAFF),
    rule("GET", "/api/v1/scoring/notices/{notice_id}", UNIT_STAFF),
    rule("POST", "/api/v1/scoring/notices/{notice_id}/items/{item_id}/answer", UNIT_MANAGERS),
    rule("POST", "/api/v1/scoring/notices/{notice_id}/items/{item_id}/decision", ADMINS),
    rule("GET", "/api/v1/scoring/calendar/{year}", ADMINS),
    rule("GET", "/api/v1/scoring/todo", EVERYONE),
    rule("PUT", "/api/v1/scoring/calendar/{year}", frozenset({P})),
    rule("GET", "/api/v1/scoring/events", EVERYONE),
    rule("GET", "/api/v1/scoring/events/count", EVERYONE),
    rule("GET", "/api/v1/quota/version", EVERYONE),
    rule("POST", "/api/v1/quota/apportion", ADMINS, "apportion"),
    rule("POST", "/api/v1/quota/allocations/simulate", ADMINS, "apportion"),
    rule("PUT", "/api/v1/quota/regions/{region_id}/years/{year}/units", ADMINS, "inputs:write"),
    rule("PUT", "/api/v1/quota/regions/{region_id}/years/{year}/policy", ADMINS),
    rule("GET", "/api/v1/quota/regions/{region_id}/years/{year}/inputs", ADMINS),
    rule("POST", "/api/v1/quota/regions/{region_id}/years/{year}/allocations", ADMINS),
    rule("GET", "/api/v1/quota/regions/{region_id}/years/{year}/allocations", ADMINS, "results:read"),
    rule("GET", "/api/v1/quota/regions/{region_id}/years/{year}/published", ADMINS, "results:read"),
    rule("GET", "/api/v1/quota/regions/{region_id}/years/{year}/publications", ADMINS, "results:read"),
    rule("GET", "/api/v1/quota/allocations/{run_id}", ADMINS, "results:read"),
    rule("GET", "/api/v1/quota/allocations/{run_id}/compare/{other_id}", ADMINS),
    rule("GET", "/api/v1/quota/allocations/{run_id}/report.xlsx", ADMINS, "results:read"),
    rule("POST", "/api/v1/quota/allocations/{run_id}/publish", ADMINS),
    # an export job's file: its requester's and its region administrators' (the service checks the job)
    rule("GET", "/api/v1/quota/jobs/{job_id}/file", UNIT_STAFF, "results:read"),
    # each service's jobs (long work): the job's requester and its region's administrators see it; others get 404
    *(rule(method, f"/api/v1/{service}/jobs{path}", EVERYONE, "inputs:write", "results:read")
      for service in ("records", "scoring", "quota")
      for method, path in (("GET", ""), ("GET", "/{job_id}"), ("POST", "/{job_id}/cancel"))),
    # the gateway's own
    rule("GET", "/api/v1/catalogue", EVERYONE, *KEY_SCOPES),
    # a user's own password (never an API key's); the reset's answer holds a code shown once
    rule("POST", "/api/v1/auth/password", EVERYONE, replayable=False),
    rule("POST", "/api/v1/admin/users/{user_id}/password-reset", ADMINS, replayable=False),
    # webhooks: a region's administrators, or its key with webhooks:manage; another region's is not found
    rule("POST", "/api/v1/webhooks", ADMINS, "webhooks:manage", replayable=False),  # the answer holds the secret
    rule("GET", "/api/v1/webhooks", ADMINS, "webhooks:manage"),
    rule("GET", "/api/v1/webhooks/{webhook_id}", ADMINS, "webhooks:manage"),
    rule("DELETE", "/api/v1/webhooks/{webhook_id}", ADMINS, "webhooks:manage"),
    rule("GET", "/api/v1/webhooks/{webhook_id}/deliveries", ADMINS, "webhooks:manage"),
    rule("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", ADMINS, "webhooks:manage"),
)

_COMPILED = tuple((r, r.pattern) for r in RULES)


def match(method: str, path: str) -> tuple[Rule, dict[str, str]] | None:
    for candidate, pattern in _COMPILED:
        if candidate.method == method:
            found = pattern.match(path)
            if found:
                return candidate, found.groupdict()
    return None


def methods_of(path: str) -> list[str]:
    """The methods the policy opens on ``path`` (empty for an unknown path)."""
    return sorted({r.method for r, pattern in _COMPILED if pattern.match(path)})


def is_public(rule: Rule) -> bool:
    return rule.roles == PUBLIC


def allowed(rule: Rule, *, kind: str, roles: tuple[str, ...], scopes: tuple[str, ...]) -> bool:
    if is_public(rule):
        return True
    if kind == "api_key":
        return bool(rule.scopes & set(scopes))
    return bool(rule.roles & set(roles))
