"""Client libraries generated from the merged OpenAPI document, as a provincial system's developer
would make them, and compiled: Python (openapi-python-client) with no warning and every module
importable, TypeScript (OpenAPI Generator's typescript-fetch) accepted by tsc."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kaohe import openapi

pytestmark = pytest.mark.stack  # runs generators in their own environments: slow, not a unit test


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return openapi.write_document(tmp_path_factory.mktemp("openapi") / "openapi.json")


def test_the_python_client_is_whole_and_imports(document: Path, tmp_path: Path) -> None:
    out = tmp_path / "kaohe_client"
    generated = openapi.generate_python(document, out)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # the generator warns, and leaves out, every schema or operation it cannot make a model of
    assert "Warning" not in generated.stdout and "Unable" not in generated.stdout, generated.stdout
    for model in ("run_read", "stored_inputs_read", "policy_in_read", "scheme_read", "problem"):
        assert (out / "models" / f"{model}.py").exists(), model
    imported = subprocess.run(
        [openapi._uv(), "tool", "run", "--from", openapi.PYTHON_GENERATOR, "python", "-c",
         "import importlib, pkgutil, kaohe_client\n"
         "names = [m.name for m in pkgutil.walk_packages(kaohe_client.__path__, 'kaohe_client.')]\n"
         "[importlib.import_module(n) for n in names]\n"
         "from kaohe_client.api.schemes import list_schemes\n"
         "print(len(names), callable(list_schemes.sync_detailed))"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert imported.returncode == 0, imported.stderr
    modules, found = imported.stdout.split()
    assert int(modules) > 500 and found == "True"


@pytest.mark.skipif(shutil.which("java") is None or shutil.which("tsc") is None,
                    reason="needs Java and TypeScript (Debian: apt-get install default-jre-headless node-typescript)")
def test_the_typescript_client_compiles(document: Path, tmp_path: Path) -> None:
    out = tmp_path / "ts"
    generated = openapi.generate_typescript(document, out)
    assert generated.returncode == 0, generated.stdout[-4000:] + generated.stderr[-4000:]
    assert (out / "apis" / "SchemesApi.ts").exists() and (out / "models" / "RunRead.ts").exists()
    # Debian's TypeScript is 4.8: the generator's `in` narrowing needs 4.9 under noImplicitAny
    compiled = subprocess.run(["tsc", "--noEmit", "--strictNullChecks", "--target", "es2019", "--lib", "es2019,dom",
                               "--moduleResolution", "node", "index.ts"],
                              cwd=out, capture_output=True, text=True, timeout=600)
    assert compiled.returncode == 0, compiled.stdout[-4000:]
