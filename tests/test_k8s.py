"""The Kubernetes manifests render with kustomize and validate against the Kubernetes schemas, offline.

kubectl (and the kustomize inside it) is the pinned one ``make test`` unpacks into ``.tools/bin``
(deploy/k8s/get_kubectl.py), else the one on PATH; in CI a missing kubectl fails, never skips.
Built-in kinds are checked against the Kubernetes 1.32 OpenAPI schemas (kubernetes-validate);
the CloudNativePG kinds, which no offline schema set holds, are listed in ``CUSTOM_KINDS`` and
checked field by field below. Network policies are checked by evaluating who may reach whom.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "deploy" / "k8s"
OVERLAYS = {"county": "kaohe-county", "province": "kaohe-province"}
K8S_VERSION = "1.32"
SERVICES = ("records", "scoring", "quota")
APPS = (*SERVICES, "gateway")
WORKERS = tuple(f"{service}-worker" for service in SERVICES)
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
CUSTOM_KINDS = {("postgresql.cnpg.io/v1", "Cluster"), ("postgresql.cnpg.io/v1", "ScheduledBackup"),
                ("barmancloud.cnpg.io/v1", "ObjectStore")}
Doc = dict[str, Any]


def kubectl() -> str:
    pinned = REPO / ".tools" / "bin" / "kubectl"
    found = str(pinned) if pinned.exists() else shutil.which("kubectl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("no kubectl: `make test` unpacks the pinned one (python deploy/k8s/get_kubectl.py)")
        pytest.skip("kubectl renders the kustomizations: python deploy/k8s/get_kubectl.py .tools/bin/kubectl")
    return found


def render(overlay: str) -> list[Doc]:
    out = subprocess.run([kubectl(), "kustomize", str(ROOT / "overlays" / overlay)], check=True,
                         capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[Doc]]:
    return request.param, render(request.param)


@pytest.fixture(scope="module")
def docs(overlay: tuple[str, list[Doc]]) -> list[Doc]:
    return overlay[1]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[Doc], kind: str, name: str) -> Doc:
    [doc] = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    return doc


def pod_specs(docs: list[Doc]) -> list[Doc]:
    return [d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "Job")]


def test_every_resource_is_valid(docs: list[Doc]) -> None:
    custom = [d for d in docs if (d["apiVersion"], d["kind"]) in CUSTOM_KINDS]
    assert {(d["apiVersion"], d["kind"]) for d in custom} == CUSTOM_KINDS
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) not in CUSTOM_KINDS:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_everything_lives_in_the_overlays_namespace(overlay: tuple[str, list[Doc]]) -> None:
    name, docs = overlay
    [namespace] = of_kind(docs, "Namespace")
    assert namespace["metadata"]["name"] == OVERLAYS[name]
    assert {d["metadata"]["namespace"] for d in docs if d["kind"] != "Namespace"} == {OVERLAYS[name]}


def test_a_deployment_service_autoscaler_and_budget_per_service(docs: list[Doc]) -> None:
    """Each service, and the job worker of each but the gateway (no Service: nothing calls a worker)."""
    assert {d["metadata"]["name"] for d in of_kind(docs, "Service")} == set(APPS)
    for kind in ("Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert {d["metadata"]["name"] for d in of_kind(docs, kind)} == {*APPS, *WORKERS}, kind
    for deployment in of_kind(docs, "Deployment"):
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        budget = one(docs, "PodDisruptionBudget", deployment["metadata"]["name"])
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert budget["spec"]["maxUnavailable"] == 1
        autoscaler = one(docs, "HorizontalPodAutoscaler", deployment["metadata"]["name"])
        assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]


def test_images_are_pinned_to_the_release(docs: list[Doc]) -> None:
    images = {c["image"] for pod in pod_specs(docs) for c in pod["containers"]}
    assert images == {f"kaohe:{VERSION}"}
    assert one(docs, "Cluster", "kaohe-db")["spec"]["imageName"].rsplit(":", 1)[1][:2].isdigit()


def test_the_migration_job_is_named_after_the_release(docs: list[Doc]) -> None:
    [job] = of_kind(docs, "Job")
    assert job["metadata"]["name"] == f"kaohe-migrate-{VERSION}"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["kaohe", "migrate"]
    assert job["spec"]["ttlSecondsAfterFinished"] > 0


def test_probes_resources_and_non_root(docs: list[Doc]) -> None:
    for deployment in of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        container = pod["containers"][0]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        if deployment["metadata"]["name"] in WORKERS:  # no HTTP: a worker that dies stops its heartbeat
            assert container["command"] == ["python", "-m", "shared.jobs.worker",
                                            deployment["metadata"]["name"].removesuffix("-worker")]
            assert pod["terminationGracePeriodSeconds"] >= 60  # time to finish the job under way
            continue
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for pod in pod_specs(docs):
        for container in pod["containers"]:
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
            assert {"cpu", "memory"} <= container["resources"]["limits"].keys()


def test_no_secret_value_is_committed(docs: list[Doc]) -> None:
    assert not of_kind(docs, "Secret")
    for deployment in of_kind(docs, "Deployment"):
        for env in deployment["spec"]["template"]["spec"]["containers"][0]["env"]:
            if any(word in env["name"] for word in ("SECRET", "PASSWORD", "DATABASE_URL", "DATABASE_READ_URL")):
                assert "value" not in env and env["valueFrom"]["secretKeyRef"]["name"] == "kaohe-secrets"


def test_services_read_lists_from_a_replica_url(docs: list[Doc]) -> None:
    for name in (*APPS, *WORKERS):
        env = {e["name"]: e for e in one(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]["env"]}
        service = name.removesuffix("-worker").upper()
        assert env[f"{service}_DATABASE_READ_URL"]["valueFrom"]["secretKeyRef"]["optional"] is True


def test_only_the_gateway_has_an_ingress(docs: list[Doc]) -> None:
    [ingress] = of_kind(docs, "Ingress")
    backends = {p["backend"]["service"]["name"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert backends == {"gateway"}
    assert ingress["spec"]["tls"]
    assert {s["spec"].get("type", "ClusterIP") for s in of_kind(docs, "Service")} == {"ClusterIP"}


# --- who may reach whom ----------------------------------------------------------------------

def selects(selector: Doc, labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        value = labels.get(expression["key"])
        operator = expression["operator"]
        if ((operator == "In" and value not in expression["values"])
                or (operator == "NotIn" and value in expression["values"])
                or (operator == "Exists" and not present) or (operator == "DoesNotExist" and present)):
            return False
    return True


def peer_matches(peer: Doc, source: tuple[str, dict[str, str]], namespace: str) -> bool:
    source_namespace, source_labels = source
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": source_namespace}):
            return False
    elif source_namespace != namespace:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], source_labels)


def may_reach(docs: list[Doc], source: tuple[str, dict[str, str]], target: dict[str, str], port: str | int) -> bool:
    """Whether the pod labelled ``source`` in its namespace may open ``port`` on a kaohe pod labelled ``target``."""
    namespace = docs[0]["metadata"].get("namespace") or docs[0]["metadata"]["name"]
    policies = [p for p in of_kind(docs, "NetworkPolicy") if selects(p["spec"]["podSelector"], target)
                and "Ingress" in p["spec"]["policyTypes"]]
    if not policies:
        return True
    return any(
        any(peer_matches(peer, source, namespace) for peer in rule.get("from", []))
        and (not rule.get("ports") or any(p["port"] == port for p in rule["ports"]))
        for policy in policies for rule in policy["spec"].get("ingress", []))


def app(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "kaohe", "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "kaohe"}


def test_network_policies(overlay: tuple[str, list[Doc]]) -> None:
    name, docs = overlay
    here, ingress, other_pod = OVERLAYS[name], ("ingress-nginx", {"app": "ingress-nginx"}), {"app": "debug"}
    database = {"cnpg.io/cluster": "kaohe-db", "cnpg.io/instanceRole": "primary"}
    assert may_reach(docs, ingress, app("gateway"), "http")
    assert not may_reach(docs, (here, other_pod), app("gateway"), "http")
    for service in SERVICES:
        assert not may_reach(docs, ingress, app(service), "http"), service
        assert not may_reach(docs, (here, other_pod), app(service), "http"), service
        assert may_reach(docs, (here, app("gateway")), app(service), "http"), service
        assert may_reach(docs, (here, app(service)), database, 5432), service
        assert may_reach(docs, (here, app(f"{service}-worker")), database, 5432), service
        assert not may_reach(docs, (here, app("gateway")), app(f"{service}-worker"), "http"), service
    # a close in a scoring worker reads records and quota
    assert may_reach(docs, (here, app("scoring-worker")), app("records"), "http")
    assert may_reach(docs, (here, app("scoring-worker")), app("quota"), "http")
    assert may_reach(docs, (here, app("gateway")), database, 5432)
    assert may_reach(docs, (here, app("migrate")), database, 5432)
    assert may_reach(docs, (here, {"cnpg.io/cluster": "kaohe-db"}), database, 5432)  # replication
    assert not may_reach(docs, ingress, database, 5432)
    assert not may_reach(docs, (here, other_pod), database, 5432)
    assert not may_reach(docs, ("elsewhere", app("records")), database, 5432)


# --- CloudNativePG ---------------------------------------------------------------------------

def test_the_database_is_a_three_instance_cloudnativepg_cluster_backed_up_to_object_storage(docs: list[Doc]) -> None:
    cluster = one(docs, "Cluster", "kaohe-db")["spec"]
    assert cluster["instances"] == 3
    assert cluster["postgresql"]["synchronous"]["number"] >= 1
    assert cluster["bootstrap"]["initdb"]["database"] == "kaohe"
    roles = {r["name"]: r for r in cluster["managed"]["roles"]}
    assert set(roles) == {f"kaohe_{a}" for a in APPS}
    sql = "\n".join(cluster["bootstrap"]["initdb"]["postInitApplicationSQL"])
    for name in APPS:
        assert f"CREATE SCHEMA {name} AUTHORIZATION kaohe_{name}" in sql
        assert roles[f"kaohe_{name}"]["passwordSecret"]["name"]
    [plugin] = cluster["plugins"]
    assert plugin["isWALArchiver"] is True
    store = one(docs, "ObjectStore", plugin["parameters"]["barmanObjectName"])["spec"]
    assert store["configuration"]["destinationPath"].startswith("s3://")
    credentials = store["configuration"]["s3Credentials"]
    assert {credentials[k]["name"] for k in ("accessKeyId", "secretAccessKey")} == {"kaohe-backup-credentials"}
    assert store["retentionPolicy"].endswith("d")
    [backup] = of_kind(docs, "ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == "kaohe-db"
    assert backup["spec"]["method"] == "plugin"
    assert backup["spec"]["pluginConfiguration"]["name"] == plugin["name"]
    assert len(backup["spec"]["schedule"].split()) == 6  # CloudNativePG's cron has seconds first


def test_the_province_scales_further_than_the_county() -> None:
    county, province = (render(o) for o in sorted(OVERLAYS))
    most = [max(h["spec"]["maxReplicas"] for h in of_kind(docs, "HorizontalPodAutoscaler"))
            for docs in (county, province)]
    assert most[1] > most[0]
    # room for a province's quarter close in the scoring workers: 0.9 GB at its peak (deploy/CAPACITY.md);
    # the web pods close only what is small
    worker = one(province, "Deployment", "scoring-worker")["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert worker["limits"]["memory"] == "3Gi" and worker["requests"]["memory"] == "2Gi"
    scoring = one(province, "Deployment", "scoring")["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert scoring["limits"]["memory"] == "1Gi"

