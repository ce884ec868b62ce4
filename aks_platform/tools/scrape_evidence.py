"""Whether managed Prometheus scrapes the model server and the GPU exporter, from the workloads JSON.

For the conformance items ai_service_metrics and accelerator_metrics
(aks_platform/tools/conformance_rules.py):
the metrics add-on and workspace exist in the cluster stack, but nothing is scraped beyond the
add-on's defaults unless
- a ServiceMonitor or PodMonitor of azmonitoring.coreos.com/v1 selects the inference pods (through a
  Service whose selector they match, on a named port of it), and
- ama-metrics-settings-configmap in kube-system turns the dcgmexporter target on (it scrapes the
  DCGM exporter of AKS's managed GPU stack; data/ama-metrics-settings.toml).
"""

from __future__ import annotations

from typing import Any

from aks_platform import yaml_text

MONITOR_GROUP = "azmonitoring.coreos.com/"
WORKSPACE_LABEL = "kaito.sh/workspace"

Objects = list[tuple[str, dict[str, Any]]]


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector:
        return False
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        values, present = expression.get("values", []), expression["key"] in labels
        value = labels.get(expression["key"])
        if not {
            "In": present and value in values,
            "NotIn": not present or value not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[expression["operator"]]:
            return False
    return True


def _watches(monitor: dict[str, Any], namespace: str) -> bool:
    selector = monitor.get("spec", {}).get("namespaceSelector", {})
    if selector.get("any"):
        return True
    if "matchNames" in selector:
        return namespace in selector["matchNames"]
    return monitor["metadata"].get("namespace") == namespace


def _service_monitor_reaches(
    monitor: dict[str, Any], pods: dict[str, str], namespace: str, objects: Objects
) -> bool:
    spec = monitor.get("spec", {})
    ports = {endpoint.get("port") for endpoint in spec.get("endpoints", [])}
    for _, service in objects:
        if service.get("kind") != "Service" or service["metadata"].get("namespace") != namespace:
            continue
        chooses = service.get("spec", {}).get("selector", {})
        named = {port.get("name") for port in service.get("spec", {}).get("ports", [])}
        if (
            _matches(spec.get("selector", {}), service["metadata"].get("labels", {}))
            and chooses
            and all(pods.get(key) == value for key, value in chooses.items())
            and ports & named
        ):
            return True
    return False


def model_server_scrape(objects: Objects) -> tuple[str | None, str]:
    """(evidence or None, what is missing) for the inference server's Prometheus metrics."""
    workspaces = [(address, item) for address, item in objects if item.get("kind") == "Workspace"]
    if not workspaces:
        return None, "a KAITO Workspace whose metrics are scraped"
    for address, workspace in workspaces:
        if "preset" not in workspace.get("inference", {}):
            return None, (
                f"a Prometheus endpoint on the model server: {address} runs its own pod template "
                "(kaito-base), whose /metrics answers JSON, not the Prometheus format (data/kaito.toml)"
            )
        namespace = workspace["metadata"]["namespace"]
        pods = {WORKSPACE_LABEL: workspace["metadata"]["name"]}
        for monitor_address, monitor in objects:
            if not monitor.get("apiVersion", "").startswith(MONITOR_GROUP) or not _watches(
                monitor, namespace
            ):
                continue
            if monitor["kind"] == "PodMonitor" and _matches(
                monitor.get("spec", {}).get("selector", {}), pods
            ):
                return f"{monitor_address} (PodMonitor of {address}'s pods)", ""
            if monitor["kind"] == "ServiceMonitor" and _service_monitor_reaches(
                monitor, pods, namespace, objects
            ):
                return f"{monitor_address} (ServiceMonitor of {address}'s pods)", ""
    return None, "a ServiceMonitor or PodMonitor (azmonitoring.coreos.com/v1) of the model server's pods"


def dcgm_scrape(objects: Objects) -> tuple[str | None, str]:
    """(evidence or None, what is missing) for the DCGM exporter target of the metrics add-on."""
    missing = "ama-metrics-settings-configmap in kube-system with the dcgmexporter target on"
    for address, item in objects:
        metadata = item.get("metadata", {})
        if item.get("kind") != "ConfigMap" or (metadata.get("namespace"), metadata.get("name")) != (
            "kube-system",
            "ama-metrics-settings-configmap",
        ):
            continue
        data = item.get("data", {})
        if str(data.get("schema-version", "")).strip() == "v2":
            block = (yaml_text.load(data.get("cluster-metrics", "")) or {}).get(
                "default-targets-scrape-enabled", ""
            )
        else:
            block = data.get("default-scrape-settings-enabled", "")
        settings = dict(
            line.replace(" ", "").split("=", 1) for line in str(block).splitlines() if "=" in line
        )
        if settings.get("dcgmexporter") == "true":
            return f"{address} (dcgmexporter target on)", ""
    return None, missing
