"""The merged OpenAPI document of every public route, made from the code without a database or a
running service, and the two client libraries generated from it (Python with
openapi-python-client, TypeScript with OpenAPI Generator), each at a pinned version run by uv in
its own environment, so that their dependencies never meet ours."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.openapi import restore_examples

ROOT = Path(__file__).resolve().parents[2]
PYTHON_GENERATOR = "openapi-python-client==0.29.1"
TYPESCRIPT_GENERATOR = "openapi-generator-cli==7.26.0"
NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:9/none"  # documents are made without a database


def apps() -> dict[str, FastAPI]:
    """Each service's app and the gateway's (under ``gateway``), built and never served."""
    from importlib import import_module

    from gateway.config import GatewaySettings
    from gateway.main import create_app

    secret = secrets.token_hex(32)  # the apps are built, never served: any strong secret will do
    built = {}
    for name in ("records", "scoring", "quota"):
        settings = getattr(import_module(f"{name}.config"), f"{name.capitalize()}Settings")(
            **{f"{name.upper()}_DATABASE_URL": NOWHERE, "KAOHE_SERVICE_SECRET": secret})
        built[name] = import_module(f"{name}.main").create_app(settings)
    built["gateway"] = create_app(GatewaySettings(KAOHE_SERVICE_SECRET=secret, GATEWAY_DATABASE_URL=NOWHERE,
                                                  GATEWAY_JWT_SECRET=secrets.token_hex(32)))
    return built


def documents() -> dict[str, dict[str, Any]]:
    """Each service's own document, and the gateway's own routes' under ``gateway``."""
    services = {}
    for name, app in apps().items():
        services[name] = app.openapi() if name != "gateway" else restore_examples(get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes), app.routes)
    return services


def merged_document() -> dict[str, Any]:
    """What the gateway serves at ``/openapi.json`` with every service up."""
    from gateway.routes.openapi import merge

    found = documents()
    base = found.pop("gateway")
    return merge(base, found)


def _uv() -> str:
    local = ROOT / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is needed to run the client generators: `make install` provides it")
    return found


def generate_python(document: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_uv(), "tool", "run", "--from", PYTHON_GENERATOR, "openapi-python-client", "generate",
         "--path", str(document), "--meta", "none", "--config", str(ROOT / "clients" / "python.yaml"),
         "--output-path", str(out)],
        capture_output=True, text=True, timeout=600)


def generate_typescript(document: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Needs Java (Debian: default-jre-headless); OpenAPI Generator is a Java program."""
    return subprocess.run(
        [_uv(), "tool", "run", "--from", TYPESCRIPT_GENERATOR, "openapi-generator-cli", "generate",
         "-g", "typescript-fetch", "-i", str(document), "-o", str(out), "--additional-properties=supportsES6=true"],
        capture_output=True, text=True, timeout=600)


def write_document(path: Path) -> Path:
    path.write_text(json.dumps(merged_document(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path
