"""Every setting is documented: deploy/env.example and the README's table are what the settings
classes make, and the deployment files set no variable that no settings class reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kaohe import settings_doc

ROOT = Path(__file__).resolve().parents[1]
#: read by the image, the compose file or uvicorn, not by a settings class
NOT_SETTINGS = {"SERVICE", "PORT", "UVICORN_HTTP", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
                "RECORDS_DB_PASSWORD", "SCORING_DB_PASSWORD", "QUOTA_DB_PASSWORD", "GATEWAY_DB_PASSWORD"}


def known() -> set[str]:
    return {name for _title, settings in settings_doc.collect() for s in settings for name in (s.name, *s.also)}


def test_env_example_and_readme_match_the_settings_classes() -> None:
    stale = [str(path.relative_to(ROOT)) for path in settings_doc.stale()]
    assert stale == [], (f"{', '.join(stale)} differ from the settings classes (a setting added, changed or "
                         "removed): run `kaohe settings --write` (or `make settings`) and commit the result")


def test_every_setting_is_in_both_documents() -> None:
    env_example = (ROOT / "deploy" / "env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for _title, settings in settings_doc.collect():  # raises for a field without a description
        for setting in settings:
            assert f"{setting.name}=" in env_example, setting.name
            assert f"| `{setting.name}` |" in readme, setting.name


def _compose_names(value: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            names |= set(item) if key == "environment" and isinstance(item, dict) else _compose_names(item)
    return names


def _k8s_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "deploy" / "k8s").rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            names |= _k8s_walk(document)
    return names


def _k8s_walk(value: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "env" and isinstance(item, list):
                names |= {entry["name"] for entry in item if isinstance(entry, dict) and "name" in entry}
            elif key == "literals" and isinstance(item, list):
                names |= {literal.split("=", 1)[0] for literal in item}
            else:
                names |= _k8s_walk(item)
    elif isinstance(value, list):
        for item in value:
            names |= _k8s_walk(item)
    return names


def test_the_deployment_sets_only_known_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dockerfile = {word.split("=", 1)[0] for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
                  if line.startswith("ENV ") for word in line.split()[1:]}
    image = dockerfile - {"PATH", "PYTHONUNBUFFERED", "UV_PYTHON_DOWNLOADS", "UV_COMPILE_BYTECODE", "UV_LINK_MODE"}
    unknown = (_compose_names(compose) | _k8s_names() | image) - known() - NOT_SETTINGS
    assert unknown == set(), f"set by the deployment but read by no settings class: {sorted(unknown)}"
