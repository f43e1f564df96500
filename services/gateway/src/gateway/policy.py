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


# the role sets a table row names in its third column
ROLE_SETS = {"EVERYONE": EVERYONE, "UNIT_STAFF": UNIT_STAFF, "UNIT_MANAGERS": UNIT_MANAGERS, "ADMINS": ADMINS,
             "PROVINCE": frozenset({P}), "PUBLIC": PUBLIC}


def table(prefix: str, rows: str) -> tuple[Rule, ...]:
    """Rules written one a line: method, path below ``prefix``, a name of ``ROLE_SETS``, then the key scopes
    (``KEY_SCOPES`` for all of them) and ``once`` where an Idempotency-Key is not honoured; ``#`` lines are notes."""
    found = []
    for line in rows.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        method, path, roles, *rest = words
        unknown = [w for w in rest if w not in KEY_SCOPES and w not in {"KEY_SCOPES", "once"}]
        if method not in {"GET", "POST", "PUT", "PATCH", "DELETE"} or unknown:  # a slip is found at import
            raise ValueError(f"policy row {line.strip()!r}: unknown method or scope {unknown or method}")
        once = "once" in rest
        scopes = [s for word in rest if word != "once" for s in (KEY_SCOPES if word == "KEY_SCOPES" else (word,))]
        found.append(rule(method, prefix + path, ROLE_SETS[roles], *scopes, replayable=not once))
    return tuple(found)


RULES: tuple[Rule, ...] = (
    *table("/api/v1/records", """
        GET    /version                                     EVERYONE
        # an export job's file: its requester's and its region administrators' (the service checks the job)
        GET    /jobs/{job_id}/file                          UNIT_STAFF     results:read
        GET    /whoami                                      EVERYONE       KEY_SCOPES
        POST   /regions                                     PROVINCE
        GET    /regions                                     ADMINS         results:read
        GET    /regions/{region_id}                         ADMINS         results:read
        GET    /regions/{region_id}/headcounts              ADMINS         results:read
        PUT    /regions/{region_id}/settings                ADMINS
        POST   /units                                       ADMINS
        POST   /regions/{region_id}/roster/import           ADMINS
        POST   /regions/{region_id}/roster/stream           ADMINS         inputs:write
        GET    /regions/{region_id}/roster/export           ADMINS
        GET    /units                                       UNIT_STAFF     units:read
        GET    /units/{unit_id}                             UNIT_STAFF     units:read
        PATCH  /units/{unit_id}                             ADMINS
        POST   /units/{unit_id}/sections                    UNIT_MANAGERS
        GET    /units/{unit_id}/sections                    UNIT_STAFF
        PATCH  /units/{unit_id}/sections/{section_id}       UNIT_MANAGERS
        GET    /units/{unit_id}/members                     UNIT_STAFF     persons:read
        GET    /units/{unit_id}/outstanding                 UNIT_STAFF
        POST   /persons                                     UNIT_MANAGERS
        # before {person_id}: the first rule matching wins
        GET    /persons/search                              EVERYONE       persons:read
        GET    /persons/{person_id}                         EVERYONE       persons:read
        POST   /persons/names                               EVERYONE
        POST   /persons/{person_id}/moves                   UNIT_MANAGERS
        POST   /attendance/import                           UNIT_MANAGERS
        POST   /attendance/stream                           UNIT_MANAGERS
        PUT    /attendance                                  UNIT_MANAGERS
        GET    /attendance                                  EVERYONE
        GET    /attendance/changes                          EVERYONE
        GET    /changes                                     EVERYONE
        GET    /changes/latest                              UNIT_STAFF
        GET    /changes/{record_kind}/{record_id}           EVERYONE
        GET    /attendance/export                           UNIT_STAFF
        POST   /work-logs                                   EVERYONE
        PATCH  /work-logs/{log_id}                          EVERYONE
        GET    /work-logs                                   EVERYONE
        POST   /monthly-reports                             EVERYONE
        PATCH  /monthly-reports/{report_id}                 EVERYONE
        PUT    /comments                                    UNIT_STAFF
        GET    /comments/{target_kind}/{target_id}          EVERYONE
        POST   /tasks                                       UNIT_MANAGERS
        POST   /tasks/import                                UNIT_MANAGERS
        POST   /tasks/stream                                UNIT_MANAGERS
        GET    /tasks/export                                UNIT_STAFF
        GET    /tasks                                       EVERYONE
        GET    /tasks/{task_id}                             EVERYONE
        PATCH  /tasks/{task_id}                             UNIT_MANAGERS
        POST   /tasks/{task_id}/progress                    EVERYONE
        POST   /tasks/{task_id}/confirm                     UNIT_STAFF
        POST   /honours                                     UNIT_MANAGERS
        GET    /honours                                     EVERYONE
        GET    /honours/{honour_id}                         EVERYONE
        POST   /honours/{honour_id}/void                    UNIT_MANAGERS
        GET    /units/{unit_id}/summary                     UNIT_STAFF
        GET    /regions/{region_id}/groups/{group}/summary  ADMINS
        GET    /templates/{kind}.xlsx                       UNIT_MANAGERS
        # the caller's own event feed (no ids asked: the service reads the caller's person and units)
        GET    /events                                      EVERYONE
        GET    /events/count                                EVERYONE
        # the caller's own to-do, for /api/v1/me/todo (each service answers for the caller)
        GET    /todo                                        EVERYONE
    """),
    *table("/api/v1/scoring", """
        GET    /version                                                                  EVERYONE
        # an export job's file: its requester's and its region administrators' (the service checks the job)
        GET    /jobs/{job_id}/file                                                       UNIT_STAFF     results:read
        POST   /schemes/indicators/check                                                 UNIT_MANAGERS
        POST   /grades/preview                                                           UNIT_MANAGERS
        POST   /schemes                                                                  UNIT_MANAGERS
        GET    /schemes                                                                  UNIT_STAFF     schemes:read
        # also the people it evaluates
        GET    /schemes/{scheme_id}                                                      EVERYONE       schemes:read
        PATCH  /schemes/{scheme_id}                                                      ADMINS
        POST   /schemes/{scheme_id}/versions                                             UNIT_MANAGERS
        POST   /schemes/{scheme_id}/versions/{version}/submit                            UNIT_MANAGERS
        POST   /schemes/{scheme_id}/versions/{version}/return                            ADMINS
        POST   /schemes/{scheme_id}/versions/{version}/approve                           ADMINS
        GET    /schemes/{scheme_id}/versions/{version}/review                            UNIT_STAFF
        GET    /regions/{region_id}/requirements                                         UNIT_MANAGERS
        PUT    /regions/{region_id}/requirements                                         ADMINS
        GET    /regions/{region_id}/schemes/review                                       ADMINS
        POST   /regions/{region_id}/bulletins                                            ADMINS
        GET    /regions/{region_id}/bulletins                                            ADMINS
        GET    /regions/{region_id}/bulletins/{bulletin_id}.docx                         ADMINS
        GET    /regions/{region_id}/bulletins/{bulletin_id}                              ADMINS
        PATCH  /regions/{region_id}/bulletins/{bulletin_id}                              ADMINS
        POST   /regions/{region_id}/bulletins/{bulletin_id}/issue                        ADMINS
        PUT    /schemes/{scheme_id}/periods/{period}/marks                               UNIT_MANAGERS  inputs:write
        POST   /schemes/{scheme_id}/periods/{period}/adjustments                         UNIT_MANAGERS  inputs:write
        GET    /schemes/{scheme_id}/periods/{period}/adjustments                         UNIT_MANAGERS
        POST   /schemes/{scheme_id}/periods/{period}/negative-events                     UNIT_MANAGERS  inputs:write
        GET    /schemes/{scheme_id}/periods/{period}/negative-events                     UNIT_MANAGERS
        POST   /adjustments/{adjustment_id}/void                                         UNIT_MANAGERS  inputs:write
        PATCH  /adjustments/{adjustment_id}                                              UNIT_MANAGERS  inputs:write
        POST   /negative-events/{event_id}/void                                          UNIT_MANAGERS  inputs:write
        PATCH  /negative-events/{event_id}                                               UNIT_MANAGERS  inputs:write
        POST   /schemes/{scheme_id}/periods/{period}/marks/{person_id}/{indicator}/void  UNIT_MANAGERS  inputs:write
        GET    /schemes/{scheme_id}/periods/{period}/changes                             UNIT_MANAGERS
        POST   /schemes/{scheme_id}/periods/{period}/rounds                              UNIT_MANAGERS
        GET    /rounds/{round_id}                                                        EVERYONE
        PUT    /rounds/{round_id}/ratings                                                EVERYONE
        GET    /rounds/{round_id}/ratings/mine                                           EVERYONE
        POST   /rounds/{round_id}/close                                                  UNIT_MANAGERS
        POST   /rounds/{round_id}/codes                                                  UNIT_MANAGERS  once
        GET    /rounds/{round_id}/codes                                                  UNIT_MANAGERS
        PATCH  /rounds/{round_id}                                                        UNIT_MANAGERS
        POST   /rounds/{round_id}/raters                                                 UNIT_MANAGERS
        DELETE /rounds/{round_id}/raters/{rater_id}                                      UNIT_MANAGERS
        POST   /rounds/{round_id}/raters/{rater_id}/replace                              UNIT_MANAGERS
        POST   /rounds/{round_id}/people                                                 UNIT_MANAGERS
        DELETE /rounds/{round_id}/people/{person_id}                                     UNIT_MANAGERS
        POST   /rounds/{round_id}/reopen                                                 UNIT_MANAGERS
        GET    /rounds/{round_id}/history                                                UNIT_MANAGERS
        POST   /ballots/by-code                                                          PUBLIC         once
        POST   /schemes/{scheme_id}/periods/{period}/close                               UNIT_MANAGERS
        GET    /schemes/{scheme_id}/periods/{period}/readiness                           UNIT_MANAGERS
        GET    /schemes/{scheme_id}/periods/{period}/versions                            UNIT_MANAGERS
        GET    /schemes/{scheme_id}/periods/{period}/results                             UNIT_STAFF     results:read
        GET    /schemes/{scheme_id}/periods/{period}/results.xlsx                        UNIT_STAFF     results:read
        GET    /schemes/{scheme_id}/periods/{period}/bottom                              UNIT_STAFF     results:read
        GET    /schemes/{scheme_id}/periods/{period}/people/{person_id}/explanation      EVERYONE       results:read
        GET    /results/{close_id}/compare/{other_id}                                    UNIT_MANAGERS
        POST   /results/{close_id}/publish                                               UNIT_MANAGERS
        POST   /results/{close_id}/objections                                            EVERYONE
        GET    /objections                                                               EVERYONE
        GET    /objections/{objection_id}                                                EVERYONE
        POST   /objections/{objection_id}/review                                         UNIT_MANAGERS
        POST   /schemes/{scheme_id}/years/{year}/bonus                                   UNIT_MANAGERS
        # the procedure: the service checks each stage's actor (a final stage may be the region's to enter)
        GET    /schemes/{scheme_id}/periods/{period}/procedure                           UNIT_STAFF
        POST   /schemes/{scheme_id}/periods/{period}/procedure/advance                   UNIT_MANAGERS
        POST   /schemes/{scheme_id}/periods/{period}/procedure/back                      UNIT_MANAGERS
        GET    /schemes/{scheme_id}/periods/{period}/procedure/publicity                 EVERYONE
        GET    /units/{unit_id}/outstanding                                              UNIT_STAFF
        # a cadre's file: the region's officers read it (with a reason, recorded); the person sees the reads
        GET    /persons/{person_id}/file                                                 ADMINS
        GET    /persons/{person_id}/file.xlsx                                            ADMINS
        GET    /persons/{person_id}/file/reads                                           EVERYONE
        GET    /regions/{region_id}/periods/{period}/calibration                         ADMINS
        GET    /regions/{region_id}/years/{year}/lists/{list_name}.xlsx                  ADMINS
        GET    /regions/{region_id}/years/{year}/lists/{list_name}                       ADMINS
        # supervision (督导): the region's officers inspect and issue; a unit answers its own notices
        GET    /regions/{region_id}/progress                                             ADMINS
        POST   /regions/{region_id}/inspections                                          ADMINS
        GET    /regions/{region_id}/inspections                                          ADMINS
        POST   /regions/{region_id}/notices                                              ADMINS
        GET    /regions/{region_id}/notices                                              ADMINS
        GET    /units/{unit_id}/notices                                                  UNIT_STAFF
        GET    /notices/{notice_id}                                                      UNIT_STAFF
        POST   /notices/{notice_id}/items/{item_id}/answer                               UNIT_MANAGERS
        POST   /notices/{notice_id}/items/{item_id}/decision                             ADMINS
        GET    /calendar/{year}                                                          ADMINS
        GET    /todo                                                                     EVERYONE
        PUT    /calendar/{year}                                                          PROVINCE
        GET    /events                                                                   EVERYONE
        GET    /events/count                                                             EVERYONE
    """),
    *table("/api/v1/quota", """
        GET    /version                                        EVERYONE
        POST   /apportion                                      ADMINS         apportion
        POST   /allocations/simulate                           ADMINS         apportion
        PUT    /regions/{region_id}/years/{year}/units         ADMINS         inputs:write
        PUT    /regions/{region_id}/years/{year}/policy        ADMINS
        GET    /regions/{region_id}/years/{year}/inputs        ADMINS
        POST   /regions/{region_id}/years/{year}/allocations   ADMINS
        GET    /regions/{region_id}/years/{year}/allocations   ADMINS         results:read
        GET    /regions/{region_id}/years/{year}/published     ADMINS         results:read
        GET    /regions/{region_id}/years/{year}/publications  ADMINS         results:read
        GET    /allocations/{run_id}                           ADMINS         results:read
        GET    /allocations/{run_id}/compare/{other_id}        ADMINS
        GET    /allocations/{run_id}/report.xlsx               ADMINS         results:read
        POST   /allocations/{run_id}/publish                   ADMINS
        # an export job's file: its requester's and its region administrators' (the service checks the job)
        GET    /jobs/{job_id}/file                             UNIT_STAFF     results:read
    """),
    # each service's jobs (long work): the job's requester and its region's administrators see it; others get 404
    *(rule(method, f"/api/v1/{service}/jobs{path}", EVERYONE, "inputs:write", "results:read")
      for service in ("records", "scoring", "quota")
      for method, path in (("GET", ""), ("GET", "/{job_id}"), ("POST", "/{job_id}/cancel"))),
    *table("/api/v1", """
        # the gateway's own
        GET    /catalogue                                                 EVERYONE       KEY_SCOPES
        # a user's own password (never an API key's); the reset's answer holds a code shown once
        POST   /auth/password                                             EVERYONE       once
        POST   /admin/users/{user_id}/password-reset                      ADMINS         once
        # webhooks: a region's administrators, or its key with webhooks:manage; another region's is not found
        # the answer holds the secret
        POST   /webhooks                                                  ADMINS         webhooks:manage once
        GET    /webhooks                                                  ADMINS         webhooks:manage
        GET    /webhooks/{webhook_id}                                     ADMINS         webhooks:manage
        DELETE /webhooks/{webhook_id}                                     ADMINS         webhooks:manage
        GET    /webhooks/{webhook_id}/deliveries                          ADMINS         webhooks:manage
        POST   /webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver  ADMINS         webhooks:manage
    """),
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
