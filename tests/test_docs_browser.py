"""The API's pages open in a real browser on a network with no way out, as on a government
intranet: headless Chromium (Debian's package) loads ``/docs`` and ``/redoc`` from the running
stack with every host but the stack's own unresolvable, and the operations are drawn."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from kaohe.local import LocalStack, running_stack

pytestmark = [pytest.mark.stack,
              pytest.mark.skipif(shutil.which("chromium") is None,
                                 reason="needs Chromium (Debian: apt-get install chromium)")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("docs")
    # long-lived access tokens: one sign-in for the module
    with running_stack(stack_home(root / "home"), root / "stack.log",
                       extra_env={"GATEWAY_ACCESS_TOKEN_MINUTES": "240"}, within=180) as running:
        yield running


def rendered(url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run; any host other than 127.0.0.1 fails to resolve."""
    result = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "--virtual-time-budget=20000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True)
    return result.stdout


def test_swagger_ui_draws_every_operation_offline(stack: LocalStack, tmp_path: Path) -> None:
    page = httpx.get(f"{stack.gateway}/docs").text
    assert "cdn" not in page.lower() and "/docs/assets/swagger-ui-bundle.js" in page
    dom = rendered(f"{stack.gateway}/docs", tmp_path)
    assert 'class="swagger-ui"' in dom or "swagger-ui" in dom
    assert "/api/v1/auth/token" in dom  # an operation drawn from the merged document
    assert "/api/v1/scoring/schemes" in dom  # and one of a service behind the gateway
    assert dom.count("opblock-summary-path") > 50


def test_redoc_draws_the_document_offline(stack: LocalStack, tmp_path: Path) -> None:
    page = httpx.get(f"{stack.gateway}/redoc").text
    assert "fonts.googleapis" not in page and "/docs/assets/redoc.standalone.js" in page
    dom = rendered(f"{stack.gateway}/redoc", tmp_path)
    assert "kaohe" in dom and "/api/v1/auth/token" in dom


def test_the_assets_are_served_by_the_gateway(stack: LocalStack) -> None:
    for asset, kind in (("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "css"),
                        ("redoc.standalone.js", "javascript")):
        response = httpx.get(f"{stack.gateway}/docs/assets/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
