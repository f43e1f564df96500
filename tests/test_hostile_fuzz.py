"""Hostile input over the whole merged OpenAPI document, on the real stack with the demo county loaded:
no answer is a 5xx, every refusal is problem+json and no value reaches the database unchecked (a 422
that cannot name its field).

Schema-valid input is covered in test_schemathesis; here every operation is also sent NUL and other
control characters, very long and oddly encoded text, numbers of absurd size and precision, values of
the wrong type and schemathesis' negative mode. Random identifiers only ever meet 404s, so the
operations run with the county's real ids in their paths, queries and bodies, signed in as the
region's administrator and then as a unit's; the run says how many operations reached an answer
other than 404 with random ids and with the real ones. Deterministic and bounded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.errors import SerializationNotPossible

from kaohe.config import StackSettings
from kaohe.demo import PASSWORD, YEAR, load_demo
from kaohe.local import LocalStack, running_stack
from kaohe.stack import service_urls

pytestmark = pytest.mark.stack
ADMIN = ("admin", "kaohe-demo-first")
PROBLEM = "application/problem+json"
# examples an operation: with random ids (the baseline), then with real ids as the region's and a
# unit's administrator
BASELINE, POSITIVE, NEGATIVE, UNIT_ADMIN = 1, 2, 1, 1
LONE_SURROGATE = "<lone surrogate>"  # put in at the last moment: schemathesis cannot encode one
HOSTILE_TEXT = ("\x00", "名\x00称", "\x07\x08\x1b[31m", "\r\n\t", "\u202egnp.exe", "\ufeff\u200b", LONE_SURROGATE,
                "𝔘𝔫𝔦𝔠𝔬𝔡𝔢" * 3, "x" * 100_000, "y" * 6000, "", " ", "../../etc/passwd", "%00", "' OR 1=1 --", "9" * 5000,
                "1e999999", "-1e-999999", "NaN", "Infinity", "-0", "0x1F", "2025Q9", "2025-02-30", "9999-W99")
HOSTILE_NUMBERS = (10 ** 4000, -(10 ** 4000), 1e308, -1e308, 5e-324, 0.001, 1.23456789012345678, 2 ** 63,
                   -(2 ** 63) - 1, 2 ** 31, 10 ** 14 + 0.5, 0, -1, 10 ** 20)
# JSON escapes a lone surrogate, a URL cannot; uvicorn refuses a request line past 64 KiB before the gateway
ON_THE_URL = tuple(text for text in HOSTILE_TEXT if text != LONE_SURROGATE and len(text) < 10_000)
WRONG_TYPES: tuple[Any, ...] = (None, True, [], {}, [None, "a", 1], {"a": {"b": [None]}})


@dataclass
class Seeded:
    ids: dict[str, Any]  # a path, query or body parameter's name → a real value
    region_admin: dict[str, str]
    unit_admin: dict[str, str]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    root: Path = tmp_path_factory.mktemp("hostile")
    # long-lived access tokens: one sign-in for the module
    # up to 180 s to be ready: a loaded machine, the whole suite runs beside it
    with running_stack(stack_home(root / "home"), root / "stack.log",
                       extra_env={"GATEWAY_RATE_LIMIT": "1000000/minute",
                                  "GATEWAY_ACCESS_TOKEN_MINUTES": "240"}, within=180) as running:
        yield running


def _sign_in(gateway: str, username: str, password: str) -> dict[str, str]:
    token = httpx.post(f"{gateway}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30)
    assert token.status_code == 200, token.text
    return {"authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture(scope="module")
def seeded(stack: LocalStack) -> Seeded:
    """The demo county at its smallest (83 units, 4 people each, a whole year), and its ids."""
    urls = service_urls(StackSettings(home=stack.home, pg_port=stack.ports["pg"]))

    async def load() -> Any:
        async with httpx.AsyncClient(base_url=stack.gateway, timeout=300,
                                     headers=_sign_in(stack.gateway, *ADMIN)) as client:
            return await load_demo(client, urls, scale=0.01, say=lambda _: None)

    county = asyncio.run(load())
    region_admin = _sign_in(stack.gateway, "zuzhibu", PASSWORD)
    shown = county.showcase
    region, unit, scheme = shown["region_id"], shown["unit_id"], shown["scheme_id"]
    period, member = f"{YEAR}Q4", shown["member_person_id"]
    with httpx.Client(base_url=stack.gateway, headers=region_admin, timeout=60) as client:
        def first(path: str, key: str = "id", **params: Any) -> Any:
            answer = client.get(path, params=params)
            assert answer.status_code == 200, (path, answer.text)
            body = answer.json()
            items = body.get("items", body) if isinstance(body, dict) else body
            return items[0][key]

        base = f"/api/v1/scoring/schemes/{scheme}/periods/{period}"
        ids: dict[str, Any] = {
            "region_id": region, "unit_id": unit, "person_id": member, "scheme_id": scheme, "period": period,
            "year": YEAR, "round_id": shown["year_round_id"], "rater_id": shown["leader_person_id"],
            "run_id": shown["allocation_id"], "notice_id": shown["notice_id"], "group": "G",
            "close_id": client.get(f"{base}/people/{member}/explanation").json()["close_id"],
            "task_id": first("/api/v1/records/tasks", unit_id=unit, period=period),
            "log_id": first("/api/v1/records/work-logs", unit_id=unit, period=period),
            "honour_id": first("/api/v1/records/honours", region_id=region),
            "bulletin_id": first(f"/api/v1/scoring/regions/{region}/bulletins"),
            "item_id": client.get(f"/api/v1/scoring/notices/{shown['notice_id']}").json()["items"][0]["id"],
            "user_id": next(u["id"] for u in client.get("/api/v1/admin/users", params={"limit": 500}).json()["items"]
                            if u["username"] == "huacheng-member"),
            "indicator": "de", "version": 1,
        }
    ids.update(record_id=ids["task_id"], record_kind="task", target_id=ids["log_id"], target_kind="work_log")
    return Seeded(ids=ids, region_admin=region_admin, unit_admin=_sign_in(stack.gateway, "huacheng-admin", PASSWORD))


def _real(name: str, path: str, ids: dict[str, Any]) -> Any:
    if name == "other_id":  # the other side of a comparison is of the same kind as the first
        return ids["run_id"] if "/quota/" in path else ids["close_id"]
    if name == "period" and "/years/" in path:
        return YEAR
    return ids.get(name)


def _with_ids(value: Any, ids: dict[str, Any], path: str) -> Any:
    """A generated body with every id field it knows replaced by a real one, at any depth."""
    if isinstance(value, dict):
        return {k: (_real(k, path, ids) if isinstance(v, str) and _real(k, path, ids) is not None
                    else _with_ids(v, ids, path)) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_ids(v, ids, path) for v in value]
    return value


def _leaves(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*at, k))] or [at]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*at, i))] or [at]
    return [at]


def _put(value: Any, at: tuple[Any, ...], new: Any) -> Any:
    if not at:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[at[0]] = _put(value[at[0]], at[1:], new)
    return copy


def _get(value: Any, at: tuple[Any, ...]) -> Any:
    for step in at:
        value = value[step]
    return value


def _hostile_for(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, bool) or value is None:
        return st.sampled_from((*HOSTILE_TEXT, *HOSTILE_NUMBERS, *WRONG_TYPES))
    if isinstance(value, int | float):
        return st.sampled_from((*HOSTILE_NUMBERS, *HOSTILE_TEXT[-10:], *WRONG_TYPES))
    return st.sampled_from((*HOSTILE_TEXT, *HOSTILE_NUMBERS, *WRONG_TYPES))


def _make_hostile(case: schemathesis.Case, data: st.DataObject) -> str:
    """One parameter of the case made hostile: a body leaf, a query value or a path segment."""
    places = []
    if isinstance(case.body, dict | list) and (case.media_type or "").endswith("json"):
        places += [("body", leaf) for leaf in _leaves(case.body)]
    places += [("query", (name,)) for name in case.query or {}]
    places += [("path", (name,)) for name in case.path_parameters or {}]
    if not places:
        return "nothing to spoil"
    where, at = data.draw(st.sampled_from(places))
    if where == "body":
        case.body = _put(case.body, at, data.draw(_hostile_for(_get(case.body, at))))
    elif where == "query":
        case.query = {**case.query, at[0]: data.draw(st.sampled_from((*ON_THE_URL, *map(str, HOSTILE_NUMBERS))))}
    else:
        case.path_parameters = {**case.path_parameters,
                                at[0]: data.draw(st.sampled_from((*ON_THE_URL, "0" * 40, "-1")))}
    return f"{where} {'.'.join(map(str, at))}"


@dataclass
class Fuzz:
    """Sends the cases of every operation and keeps what each answered."""

    stack: LocalStack
    session: requests.Session = field(default_factory=requests.Session)
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=dict)
    sent: int = 0

    def run(self, operation: Any, examples: int, auth: dict[str, str], *, mode: GenerationMode,
            ids: dict[str, Any] | None = None, hostile: bool | None = None) -> None:
        """``hostile``: every case made hostile (True), none (False), or drawn case by case (None)."""
        def real(parameters: Any) -> dict[str, Any]:
            found = {p.name: _real(p.name, operation.path, ids) for p in parameters} if ids else {}
            return {name: value for name, value in found.items() if value is not None}

        path_ids, query_ids = real(operation.path_parameters), real(operation.query)
        if any(p.name == "wait" for p in operation.query):
            query_ids["wait"] = 0  # a long poll: not worth waiting for here
        label = f"{operation.method.upper()} {operation.path}"
        seen = self.statuses.setdefault(label, set())

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_ids or None,
                                          query=query_ids or None), data=st.data())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        def send(case: schemathesis.Case, data: st.DataObject) -> None:
            if ids and isinstance(case.body, dict | list):
                case.body = _with_ids(case.body, ids, operation.path)
            spoil = data.draw(st.booleans()) if hostile is None else hostile
            spoiled = _make_hostile(case, data) if spoil else "none"
            request = case.as_transport_kwargs(base_url=self.stack.gateway, headers=auth)
            if "json" in request:
                request["json"] = json.loads(json.dumps(request["json"]).replace(LONE_SURROGATE, "\\ud800"))
            response = self.session.request(**request, timeout=60)
            self.sent += 1
            seen.add(response.status_code)
            content_type = response.headers.get("content-type", "")
            # the database's refusal, caught last: a 422, but one that cannot name the field
            unnamed = response.status_code == 422 and '"code":"invalid_value"' in response.text
            if response.status_code >= 500 or (response.status_code >= 400 and content_type != PROBLEM) or unnamed:
                self.failures.append(f"{label} [{mode.value}, spoiled: {spoiled}] -> {response.status_code} "
                                     f"{content_type}: {response.text[:300]} | path {case.path_parameters} "
                                     f"query {str(case.query)[:200]} body {str(case.body)[:300]}")

        try:
            send()
        except (SerializationNotPossible, Unsatisfiable):
            pass  # JSON-lines imports get no generated body; some operations have nothing to get wrong

    def reached(self, labels: list[str]) -> int:
        """Operations that gave at least one answer other than 404."""
        return sum(bool(self.statuses.get(label, set()) - {404}) for label in labels)


def _operations(stack: LocalStack) -> list[Any]:
    # Signing in and out would cut the run's own credentials: that is exercised in test_auth.
    schema = schemathesis.openapi.from_url(f"{stack.gateway}/openapi.json").exclude(path_regex="^/api/v1/auth/")
    return [result.ok() for result in schema.get_all_operations()]


def test_hostile_input_with_real_ids_gets_no_server_error(stack: LocalStack, seeded: Seeded,
                                                          record_property: Any) -> None:
    operations = _operations(stack)
    labels = [f"{op.method.upper()} {op.path}" for op in operations]
    before = Fuzz(stack)
    for operation in operations:
        before.run(operation, BASELINE, seeded.region_admin, mode=GenerationMode.POSITIVE, hostile=False)
    after = Fuzz(stack)
    for operation in operations:
        after.run(operation, POSITIVE, seeded.region_admin, mode=GenerationMode.POSITIVE, ids=seeded.ids)
        if len(operation.path_parameters) or len(operation.query) or len(operation.body):
            after.run(operation, NEGATIVE, seeded.region_admin, mode=GenerationMode.NEGATIVE, ids=seeded.ids)
        after.run(operation, UNIT_ADMIN, seeded.unit_admin, mode=GenerationMode.POSITIVE, ids=seeded.ids,
                  hostile=True)
    summary = (f"hostile fuzz: {len(operations)} operations exercised with {before.sent + after.sent} requests; "
               f"reached an answer other than 404: {before.reached(labels)} with random ids, "
               f"{after.reached(labels)} with the county's ids")
    record_property("summary", summary)
    print(summary)
    failures = sorted(set(before.failures + after.failures))
    assert failures == [], "\n".join(failures[:40])
    assert len(operations) > 150 and after.sent > 3 * len(operations)  # requests were really sent
    assert after.reached(labels) > before.reached(labels) + 30
    assert stack.process.poll() is None, stack.output()[-3000:]  # every process still up
    logged = [line[:600] for line in stack.output().splitlines()
              if " | ERROR " in line or " | CRITICAL " in line or "Exception in ASGI application" in line]
    assert logged == [], "\n".join(logged[:10])
