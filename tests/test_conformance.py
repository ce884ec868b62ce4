"""The conformance report: computed from both stacks' JSON, and each rule drops with its resource."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import Stack

from aks_platform import conformance

NINE = {
    "dra_support",
    "ai_inference",
    "gang_scheduling",
    "cluster_autoscaling",
    "pod_autoscaling",
    "accelerator_metrics",
    "ai_service_metrics",
    "secure_accelerator_access",
    "robust_controller",
}


def test_the_nine_must_items() -> None:
    assert {requirement.id for requirement in conformance.REQUIREMENTS} == NINE


def test_prod_provides_all_nine(prod_stack: Stack, prod_workloads: Stack) -> None:
    findings = conformance.evaluate(prod_stack, prod_workloads)
    assert {name for name, finding in findings.items() if not finding.provided} == set()
    assert all(finding.evidence for finding in findings.values())


def test_dev_lists_what_the_cpu_only_poc_lacks(dev_stack: Stack, dev_workloads: Stack) -> None:
    findings = conformance.evaluate(dev_stack, dev_workloads)
    lacking = {name for name, finding in findings.items() if not finding.provided}
    assert lacking == {
        "dra_support",
        "cluster_autoscaling",
        "pod_autoscaling",
        "accelerator_metrics",
        "secure_accelerator_access",
    }
    assert all(findings[name].missing for name in lacking)
    assert "GPU" in " ".join(findings["cluster_autoscaling"].missing)


def _drop(stack: Stack, resource_type: str, name: str) -> Stack:
    changed = copy.deepcopy(stack)
    del changed["resource"][resource_type][name]
    return changed


@pytest.mark.parametrize(
    ("stack", "resource_type", "name", "requirement"),
    [
        ("workloads", "helm_release", "kueue", "gang_scheduling"),
        ("workloads", "helm_release", "nvidia_dra_driver", "dra_support"),
        ("workloads", "kubernetes_manifest", "dra_device_class", "secure_accelerator_access"),
        ("workloads", "kubernetes_manifest", "inference_http_route", "ai_inference"),
        ("workloads", "kubernetes_manifest", "kaito_workspace", "robust_controller"),
        ("cluster", "azapi_update_resource", "managed_gateway_api", "ai_inference"),
        ("cluster", "azurerm_kubernetes_cluster_node_pool", "node_pool_gpunp", "cluster_autoscaling"),
        ("cluster", "azurerm_kubernetes_cluster_node_pool", "node_pool_gpunp", "accelerator_metrics"),
        ("cluster", "azurerm_monitor_data_collection_rule", "data_collection_rule", "ai_service_metrics"),
    ],
)
def test_removing_a_resource_drops_its_requirement(
    prod_stack: Stack, prod_workloads: Stack, stack: str, resource_type: str, name: str, requirement: str
) -> None:
    cluster, workloads = prod_stack, prod_workloads
    if stack == "cluster":
        cluster = _drop(cluster, resource_type, name)
    else:
        workloads = _drop(workloads, resource_type, name)
    assert conformance.evaluate(prod_stack, prod_workloads)[requirement].provided
    assert not conformance.evaluate(cluster, workloads)[requirement].provided


def test_changing_a_value_drops_its_requirement(prod_stack: Stack, prod_workloads: Stack) -> None:
    cluster = copy.deepcopy(prod_stack)
    cluster["resource"]["azurerm_kubernetes_cluster"]["aks"]["workload_autoscaler_profile"][
        "keda_enabled"
    ] = False
    assert not conformance.evaluate(cluster, prod_workloads)["pod_autoscaling"].provided
    cluster = copy.deepcopy(prod_stack)
    cluster["resource"]["azurerm_kubernetes_cluster"]["aks"]["kubernetes_version"] = "1.33.5"
    assert not conformance.evaluate(cluster, prod_workloads)["dra_support"].provided


def test_markdown_report(
    prod_stack: Stack, prod_workloads: Stack, dev_stack: Stack, dev_workloads: Stack
) -> None:
    prod = conformance.markdown("prod", conformance.evaluate(prod_stack, prod_workloads))
    assert "provided: 9 of 9" in prod
    assert prod.count("| provided |") == 9
    dev = conformance.markdown("dev", conformance.evaluate(dev_stack, dev_workloads))
    assert "provided: 4 of 9" in dev
    assert dev.count("**not provided**") == 5


def test_report_from_synthesized_output(
    tmp_path: Path, dev_stack: Stack, dev_workloads: Stack, monkeypatch
) -> None:
    import json

    for name, stack in (
        ("ai-conformant-aks-dev", dev_stack),
        ("ai-conformant-aks-dev-workloads", dev_workloads),
    ):
        folder = tmp_path / "stacks" / name
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(stack))
    monkeypatch.setattr(conformance, "REPORT_DIR", tmp_path / "reports")
    assert conformance.main([str(tmp_path)]) == 0
    assert "provided: 4 of 9" in (tmp_path / "reports" / "dev.md").read_text()
