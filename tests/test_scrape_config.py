"""Metrics that are scraped: the model server's ServiceMonitor and the agent's DCGM exporter target,
held against Azure's documented schemas (tests/monitor_schema.py and the data files it reads)."""

from __future__ import annotations

import copy

from conftest import Stack, environment_settings, synth_environment
from monitor_schema import monitor_errors, settings_errors
from stack_objects import applied

from aks_platform import manifests, yaml_text


def _manifests(stack: Stack, kind: str) -> list[dict]:
    return [item for _, item in applied(stack) if item["kind"] == kind]


def test_prod_scrapes_the_vllm_server(prod_workloads: Stack) -> None:
    (monitor,) = _manifests(prod_workloads, "ServiceMonitor")
    (workspace,) = _manifests(prod_workloads, "Workspace")
    assert monitor["apiVersion"] == "azmonitoring.coreos.com/v1"
    namespace = workspace["metadata"]["namespace"]
    assert monitor["metadata"]["namespace"] == namespace
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [namespace]}
    service = next(
        item
        for item in _manifests(prod_workloads, "Service")
        if item["metadata"]["name"].endswith("-metrics")
    )
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    # KAITO labels the workspace pods kaito.sh/workspace=<name>; vLLM serves /metrics on the inference port.
    assert service["spec"]["selector"] == {"kaito.sh/workspace": workspace["metadata"]["name"]}
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] == manifests.kaito_facts()["inference_port"] == 5000
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == port["name"]
    assert endpoint["path"] == "/metrics"
    assert monitor_errors(monitor) == []


def test_dev_has_no_monitor_because_its_server_has_no_prometheus_endpoint(dev_workloads: Stack) -> None:
    """main.tf's kaito-base server answers /metrics with JSON (data/kaito.toml); a monitor would fail."""
    assert not manifests.serves_prometheus(environment_settings("dev").workloads.kaito_workspace)
    assert _manifests(dev_workloads, "ServiceMonitor") == []
    # dev has no GPU pool with AKS's managed GPU stack: no DCGM exporter to scrape.
    assert _manifests(dev_workloads, "ConfigMap") == []


def test_prod_turns_on_the_dcgm_exporter_target(prod_workloads: Stack) -> None:
    (settings,) = _manifests(prod_workloads, "ConfigMap")
    assert (settings["metadata"]["namespace"], settings["metadata"]["name"]) == (
        "kube-system",
        "ama-metrics-settings-configmap",
    )
    assert settings_errors(settings) == []
    nested = yaml_text.load(settings["data"]["cluster-metrics"])
    assert nested["default-targets-scrape-enabled"].strip() == "dcgmexporter = true"


def test_the_monitor_check_catches_what_the_crd_refuses(prod_workloads: Stack) -> None:
    (monitor,) = _manifests(prod_workloads, "ServiceMonitor")
    broken = copy.deepcopy(monitor)
    broken["spec"]["endpoints"][0]["portNumber"] = 5000  # a PodMonitor field only
    broken["spec"]["endpoints"][0]["interval"] = "30 seconds"
    broken["spec"]["labelLimit"] = "63"
    del broken["spec"]["selector"]
    assert monitor_errors(broken) == [
        "ServiceMonitor smollm2-workspace-inference: spec.selector is required",
        "ServiceMonitor smollm2-workspace-inference: spec.labelLimit must be an integer",
        "ServiceMonitor smollm2-workspace-inference: spec.endpoints[0].portNumber: not a field of the CRD",
        "ServiceMonitor smollm2-workspace-inference: spec.endpoints[0].interval: 30 seconds is not a "
        "Prometheus duration",
    ]
    wrong_group = copy.deepcopy(monitor)
    wrong_group["apiVersion"] = "monitoring.coreos.com/v1"  # the add-on ignores the OSS group
    assert monitor_errors(wrong_group)


def test_the_settings_check_catches_what_the_agent_ignores_or_rejects(prod_workloads: Stack) -> None:
    (settings,) = _manifests(prod_workloads, "ConfigMap")
    misspelt = copy.deepcopy(settings)
    misspelt["data"]["cluster-metrics"] = misspelt["data"]["cluster-metrics"].replace("dcgmexporter", "dcgm")
    assert settings_errors(misspelt) == [
        "cluster-metrics.default-targets-scrape-enabled.dcgm: not a target the agent knows (ignored)"
    ]
    v1_section = copy.deepcopy(settings)
    v1_section["data"]["default-scrape-settings-enabled"] = "dcgmexporter = true"
    assert settings_errors(v1_section) == ["data.default-scrape-settings-enabled: not a section of schema v2"]
    unknown_version = copy.deepcopy(settings)
    unknown_version["data"]["schema-version"] = "v3"
    assert "the agent rejects it" in settings_errors(unknown_version)[0]


def test_no_managed_gpu_stack_no_dcgm_target() -> None:
    settings = environment_settings("prod")
    pools = tuple(
        pool.model_copy(update={"gpu_management": None, "mig_strategy": None}) for pool in settings.user_pools
    )
    _, workloads = synth_environment("prod", user_pools=pools)
    assert workloads is not None
    assert _manifests(workloads, "ConfigMap") == []
    assert _manifests(workloads, "ServiceMonitor")  # the model server is still scraped
