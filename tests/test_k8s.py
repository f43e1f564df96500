"""The Kubernetes manifests render with kustomize and validate against the Kubernetes schemas, offline."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
OVERLAYS = ("county", "province")
K8S_VERSION = "1.32"

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl renders the kustomizations")


def render(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run(["kubectl", "kustomize", str(ROOT / "overlays" / overlay)], check=True,
                         capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def docs(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def test_every_resource_is_valid(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_a_deployment_service_and_autoscaler_per_service(docs: list[dict[str, Any]]) -> None:
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler"):
        assert {d["metadata"]["name"] for d in of_kind(docs, kind)} == {"records", "scoring", "quota", "gateway"}
    assert [j["spec"]["template"]["spec"]["containers"][0]["command"] for j in of_kind(docs, "Job")] == [
        ["kaohe", "migrate"]]


def test_probes_resources_and_non_root(docs: list[dict[str, Any]]) -> None:
    for deployment in of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        container = pod["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_no_secret_value_is_committed(docs: list[dict[str, Any]]) -> None:
    assert not of_kind(docs, "Secret")
    for deployment in of_kind(docs, "Deployment"):
        for env in deployment["spec"]["template"]["spec"]["containers"][0]["env"]:
            if any(word in env["name"] for word in ("SECRET", "PASSWORD", "DATABASE_URL")):
                assert "value" not in env and env["valueFrom"]["secretKeyRef"]["name"] == "kaohe-secrets"


def test_the_province_scales_further_than_the_county() -> None:
    county, province = (of_kind(render(o), "HorizontalPodAutoscaler") for o in OVERLAYS)
    assert max(h["spec"]["maxReplicas"] for h in province) > max(h["spec"]["maxReplicas"] for h in county)
