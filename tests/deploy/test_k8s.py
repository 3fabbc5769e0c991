"""deploy/k8s/ against the Kubernetes API's own schemas, and the autoscaler against its sizing.

Every object in every manifest is validated with `kubernetes-validate` (its schemas ship inside
the package, so this needs no network and no cluster) in strict mode, which also rejects a field
the API does not have: `kubectl apply` would refuse it, or with a typo in an optional field
silently drop it. The HorizontalPodAutoscaler's numbers are checked against the arithmetic and
parameters in deploy/README.md's sizing table, so that filling in a measured figure there and
forgetting the manifest (or the reverse) fails here.
"""

from __future__ import annotations

import copy
import math
import re
import socket
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.harness.server import ROOT

K8S = ROOT / "deploy" / "k8s"
README = ROOT / "deploy" / "README.md"
# The newest Kubernetes whose schemas kubernetes-validate 1.37.0 (requirements-dev.txt) ships
# (kubernetes_validate.latest_version()); the package falls back to an older schema for a
# version it lacks, so the test also checks which one it used.
KUBERNETES_VERSION = "1.37"
# Limits the API server enforces on an HPA's behavior, which the JSON schemas do not encode
# (the field descriptions in autoscaling/v2's HPAScalingRules and HPAScalingPolicy).
MAX_STABILIZATION_SECONDS = 3600
MAX_POLICY_PERIOD_SECONDS = 1800


def manifests() -> list[Path]:
    """Returns deploy/k8s's Kubernetes manifests (every YAML file but kustomize's own)."""
    return sorted(p for p in K8S.glob("*.y*ml") if p.name != "kustomization.yaml")


def objects(path: Path) -> list[dict]:
    """Returns the Kubernetes objects in one YAML file (empty documents skipped)."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def validate(resource: dict) -> None:
    """Returns None when `resource` is valid for KUBERNETES_VERSION in strict mode; raises
    kubernetes_validate's ValidationError (or SchemaNotFoundError for an unknown kind or
    apiVersion, which its command line only warns about) otherwise."""
    used = kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    assert used == KUBERNETES_VERSION, f"validated against {used}, not {KUBERNETES_VERSION}"


@pytest.fixture
def no_network(monkeypatch):
    """Makes any attempt to open a network connection fail the test: CI reaches package
    registries only, so the schemas must come from the installed package."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"the validation tried to use the network: {args!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_the_kustomization_lists_every_manifest():
    """`kubectl apply -k deploy/k8s` applies every manifest in the folder, and only those."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [p.name for p in manifests()]


@pytest.mark.parametrize("path", manifests(), ids=lambda p: p.name)
def test_every_manifest_is_valid_kubernetes(path, no_network):
    """Each object in the manifest matches the Kubernetes API's schema, unknown fields
    rejected, using only the schemas installed with the package."""
    found = objects(path)
    assert found, f"{path.name} holds no object"
    for resource in found:
        validate(resource)


def hpa() -> dict:
    """Returns deploy/k8s/hpa.yaml's HorizontalPodAutoscaler."""
    (autoscaler,) = objects(K8S / "hpa.yaml")
    return autoscaler


@pytest.mark.parametrize("breakage", ["unknown field", "wrong type", "missing required field",
                                      "misspelt apiVersion"])
def test_a_broken_manifest_is_refused(breakage, no_network):
    """The validation would catch a broken manifest: a misspelt field, a number as text, a
    required field left out, or an apiVersion the API does not serve."""
    broken = copy.deepcopy(hpa())
    if breakage == "unknown field":
        broken["spec"]["minReplica"] = broken["spec"].pop("minReplicas")
    elif breakage == "wrong type":
        broken["spec"]["maxReplicas"] = str(broken["spec"]["maxReplicas"])
    elif breakage == "missing required field":
        del broken["spec"]["scaleTargetRef"]
    else:
        broken["apiVersion"] = "autoscaling/v3"
    with pytest.raises((kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError)):
        validate(broken)


def sizing_parameters() -> dict[str, float]:
    """Returns the named parameters of deploy/README.md's sizing table ("| `NAME` | value |")."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([0-9.]+)", README.read_text(), flags=re.MULTILINE)
    return {name: float(value) for name, value in rows}


def cpu_cores(quantity: str) -> float:
    """Returns a Kubernetes CPU quantity ("500m", "1.5", "2") in cores."""
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def test_the_autoscaler_follows_the_sizing_table():
    """hpa.yaml's replica bounds and CPU target are the README's arithmetic applied to its
    parameters and to the pod's CPU request in deployment.yaml."""
    p = sizing_parameters()
    students_per_pod = p["STUDENTS_PER_CORE"] * p["CORES_PER_POD"]
    (deployment,) = objects(K8S / "deployment.yaml")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    request = cpu_cores(str(container["resources"]["requests"]["cpu"]))
    spec = hpa()["spec"]
    target = spec["metrics"][0]["resource"]["target"]
    assert spec["minReplicas"] == math.ceil(p["LARGEST_CLASS"] / students_per_pod) + 1
    assert spec["maxReplicas"] == math.ceil(p["PEAK_STUDENTS"] / (students_per_pod * p["HEADROOM"])) + 1
    assert (target["type"], target["averageUtilization"]) == \
        ("Utilization", round(100 * p["HEADROOM"] * p["CORES_PER_POD"] / request))


def test_scale_down_waits_out_a_lesson():
    """Scale-down waits at least a lesson (within what the API server accepts) and removes one
    pod at a time; and the Deployment leaves its replica count to the autoscaler, so a
    `kubectl apply` cannot take pods away from a class."""
    lesson = sizing_parameters()["LESSON_SECONDS"]
    down = hpa()["spec"]["behavior"]["scaleDown"]
    assert lesson <= down["stabilizationWindowSeconds"] <= MAX_STABILIZATION_SECONDS
    assert down["policies"] and all(
        policy["type"] == "Pods" and policy["value"] == 1
        and 0 < policy["periodSeconds"] <= MAX_POLICY_PERIOD_SECONDS for policy in down["policies"])
    (deployment,) = objects(K8S / "deployment.yaml")
    assert "replicas" not in deployment["spec"]
