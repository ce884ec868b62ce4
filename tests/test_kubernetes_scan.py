"""checkov's kubernetes framework over the objects each workloads stack applies, against its baseline.

One checkov run (a subprocess, offline as the Terraform scan: aks_platform.tools.security_scan.checkov_env)
scans dev, prod and a probe stack with a deliberately bare Deployment, which shows the gate can fail.
"""

from __future__ import annotations

import pytest
from conftest import Stack

from aks_platform.tools.kubernetes_scan import (
    embedded_pods,
    kubernetes_gate,
    scan,
    scanned_objects,
    unscanned_charts,
)
from aks_platform.tools.security_scan import load_baseline

BARE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "bare", "namespace": "probe"},
    "spec": {
        "selector": {"matchLabels": {"app": "bare"}},
        "template": {
            "metadata": {"labels": {"app": "bare"}},
            "spec": {"containers": [{"name": "bare", "image": "example.invalid/bare:1"}]},
        },
    },
}
PROBE: Stack = {"resource": {"kubernetes_manifest": {"bare": {"manifest": BARE}}}}
# Any network call would go to a closed local port (the scan must not need one).
NO_NETWORK = {
    name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
}


@pytest.fixture(scope="module")
def results(dev_workloads: Stack, prod_workloads: Stack):
    return scan({"dev": dev_workloads, "prod": prod_workloads, "probe": PROBE}, env=NO_NETWORK)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_no_finding_outside_the_baseline(results, environment: str) -> None:
    failed, passed = results[environment]
    result = kubernetes_gate(environment, failed, passed)
    assert passed > 50, "checkov evaluated (almost) nothing: wrong framework or objects not parsed?"
    assert result.new == (), f"new checkov findings in {environment}'s Kubernetes objects: {result.new}"
    assert result.stale == (), f"stale exceptions in {environment}-kubernetes.toml: {result.stale}"


def test_the_gate_fails_on_a_bare_deployment(results) -> None:
    failed, passed = results["probe"]
    result = kubernetes_gate("probe", failed, passed)
    checks = {finding.check for finding in result.new}
    # No security context, no limits, no probes, a tag instead of a digest.
    assert {"CKV_K8S_20", "CKV_K8S_23", "CKV_K8S_11", "CKV_K8S_8", "CKV_K8S_43"} <= checks
    assert {finding.resource for finding in result.new} == {"Deployment.probe.bare"}


def test_every_exception_has_a_reason_and_names_a_scanned_object(
    dev_workloads: Stack, prod_workloads: Stack
) -> None:
    for environment, stack in (("dev", dev_workloads), ("prod", prod_workloads)):
        names = {
            f"{item['kind']}.{item['metadata'].get('namespace', 'default')}.{item['metadata']['name']}"
            for item in scanned_objects(stack)
        }
        baseline = load_baseline(f"{environment}-kubernetes")
        assert baseline
        for entry in baseline:
            assert entry.reason.strip() and entry.resource in names


def test_dev_exceptions_are_all_main_tf_parity() -> None:
    assert all(entry.reason.startswith("parity with main.tf") for entry in load_baseline("dev-kubernetes"))


def test_the_workspace_pod_template_is_scanned_as_a_pod(dev_workloads: Stack) -> None:
    (pod,) = embedded_pods(scanned_objects(dev_workloads))
    assert pod["kind"] == "Pod" and pod["metadata"] == {
        "name": "smollm2-workspace-inference",
        "namespace": "smollm2",
    }
    assert pod["spec"]["containers"][0]["image"].startswith("mcr.microsoft.com/aks/kaito/kaito-base")


def test_registry_charts_are_named_as_not_scanned(prod_workloads: Stack) -> None:
    assert [chart.split()[0] for chart in unscanned_charts(prod_workloads)] == ["kueue"]
