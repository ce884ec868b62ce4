"""The AI conformance report, computed from the synthesized JSON of both stacks of an environment.

One rule per MUST item of the CNCF Kubernetes AI Conformance checklist for 1.34 looks for the
resources and values that satisfy it and cites them, or says what is missing. Nothing here is
a hand-written table: remove a resource and its requirement drops.

    python -m aks_platform.conformance [cdktf.out]    (make conformance)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aks_platform.naming import STACK_PREFIX, WORKLOADS_SUFFIX
from aks_platform.paths import CONFORMANCE_REPORTS
from aks_platform.synth_output import stack_files_or_exit
from aks_platform.validation import GPU_VM_SIZE, is_gpu_taint

REPORT_DIR = CONFORMANCE_REPORTS
MIN_KUBERNETES = (1, 34)

Stack = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    provided: bool
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Requirement:
    id: str
    summary: str
    rule: Callable[[Stack, Stack], Finding]


@dataclass
class _Check:
    """Collects what was found and what was missing while a rule runs."""

    evidence: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def need(self, found: str | None, missing: str) -> None:
        if found:
            self.evidence.append(found)
        else:
            self.missing.append(missing)

    def result(self) -> Finding:
        return Finding(not self.missing, tuple(self.evidence), tuple(self.missing))


def _resources(stack: Stack, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, body in stack.get("resource", {}).get(resource_type, {}).items():
        yield f"{resource_type}.{name}", body


def _cluster(stack: Stack) -> tuple[str, dict[str, Any]]:
    return next(_resources(stack, "azurerm_kubernetes_cluster"), ("", {}))


def _manifests(stack: Stack, kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (address, body["manifest"])
        for address, body in _resources(stack, "kubernetes_manifest")
        if body.get("manifest", {}).get("kind") == kind
    ]


def _release(stack: Stack, chart: str) -> str | None:
    for address, body in _resources(stack, "helm_release"):
        if body.get("chart", "").rstrip("/").split("/")[-1] == chart:
            return f"{address} (chart {chart} {body.get('version', 'local')})"
    return None


def _gpu_pools(stack: Stack) -> list[tuple[str, dict[str, Any]]]:
    return [
        (address, pool)
        for address, pool in _resources(stack, "azurerm_kubernetes_cluster_node_pool")
        if GPU_VM_SIZE.match(pool.get("vm_size", ""))
    ]


def _gpu_pool_evidence(stack: Stack) -> str | None:
    pools = _gpu_pools(stack)
    return ", ".join(f"{address} ({pool['vm_size']})" for address, pool in pools) or None


def _device_class(workloads: Stack) -> str | None:
    classes = [
        address
        for address, manifest in _manifests(workloads, "DeviceClass")
        if manifest.get("apiVersion", "").startswith("resource.k8s.io/")
    ]
    return f"{classes[0]} (DeviceClass, resource.k8s.io)" if classes else None


def dra_support(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    address, body = _cluster(cluster)
    version = body.get("kubernetes_version", "0.0")
    major, minor = (int(part) for part in version.split(".")[:2])
    check.need(
        f"{address} (Kubernetes {version}: resource.k8s.io/v1 served)"
        if (major, minor) >= MIN_KUBERNETES
        else None,
        f"Kubernetes >= {MIN_KUBERNETES[0]}.{MIN_KUBERNETES[1]} (DRA API)",
    )
    check.need(
        _release(workloads, "nvidia-dra-driver-gpu"), "a DRA driver (workloads.dra.enabled) on a GPU pool"
    )
    check.need(_device_class(workloads), "a DeviceClass for ResourceClaims")
    return check.result()


def ai_inference(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    address, body = _cluster(cluster)
    mesh = body.get("service_mesh_profile") or {}
    check.need(
        f"{address} (Istio add-on {mesh.get('revisions')})" if mesh.get("mode") == "Istio" else None,
        "the Istio add-on",
    )
    gateway_api = [
        update_address
        for update_address, update in _resources(cluster, "azapi_update_resource")
        if update.get("body", {})
        .get("properties", {})
        .get("ingressProfile", {})
        .get("gatewayAPI", {})
        .get("installation")
        == "Standard"
    ]
    check.need(
        gateway_api[0] + " (managed Gateway API CRDs)" if gateway_api else None, "the managed Gateway API"
    )
    gateways = _manifests(workloads, "Gateway")
    check.need(gateways[0][0] + " (Gateway)" if gateways else None, "a Gateway")
    weighted = header = None
    for route_address, route in _manifests(workloads, "HTTPRoute"):
        for rule in route.get("spec", {}).get("rules", []):
            if sum(1 for ref in rule.get("backendRefs", []) if "weight" in ref) >= 2:
                weighted = f"{route_address} (weighted split)"
            if any(match.get("headers") for match in rule.get("matches", [])):
                header = f"{route_address} (header match)"
    check.need(weighted, "an HTTPRoute with a weighted split between two backends")
    check.need(header, "an HTTPRoute with a header match")
    return check.result()


def gang_scheduling(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    check.need(_release(workloads, "kueue"), "Kueue (workloads.gang_scheduling.enabled)")
    check.need(_release(workloads, "kueue-queues"), "a ClusterQueue and LocalQueue for the GPU pool")
    return check.result()


def cluster_autoscaling(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    scaling = [
        f"{address} ({pool['vm_size']}, autoscaling {pool.get('min_count')}-{pool.get('max_count')})"
        for address, pool in _gpu_pools(cluster)
        if pool.get("auto_scaling_enabled") and pool.get("max_count", 0) > pool.get("min_count", 0)
    ]
    check.need(", ".join(scaling) or None, "an autoscaling node pool of a GPU (N-series) size")
    return check.result()


def pod_autoscaling(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    address, body = _cluster(cluster)
    profile = body.get("workload_autoscaler_profile") or {}
    enabled = [name for name in ("keda_enabled", "vertical_pod_autoscaler_enabled") if profile.get(name)]
    check.need(
        f"{address} (workload_autoscaler_profile: {', '.join(enabled)})"
        if "keda_enabled" in enabled
        else None,
        "KEDA for custom-metric pod autoscaling (cluster.workload_autoscaler.keda)",
    )
    return check.result()


def _managed_prometheus(cluster: Stack) -> list[tuple[str | None, str]]:
    address, body = _cluster(cluster)
    workspace = next(_resources(cluster, "azurerm_monitor_workspace"), None)
    rules = [
        rule_address
        for rule_address, rule in _resources(cluster, "azurerm_monitor_data_collection_rule")
        if rule.get("data_sources", {}).get("prometheus_forwarder")
    ]
    return [
        (f"{address} (monitor_metrics)" if "monitor_metrics" in body else None, "the metrics add-on"),
        (workspace[0] if workspace else None, "an Azure Monitor workspace"),
        (rules[0] + " (Prometheus forwarder)" if rules else None, "a Prometheus data collection rule"),
    ]


def accelerator_metrics(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    for found, missing in _managed_prometheus(cluster):
        check.need(found, missing)
    managed = [
        f"{address} (EnableManagedGPUExperience: AKS runs the DCGM exporter)"
        for address, pool in _gpu_pools(cluster)
        if pool.get("tags", {}).get("EnableManagedGPUExperience") == "true"
    ]
    check.need(", ".join(managed) or None, "a GPU (N-series) pool with the managed GPU experience")
    return check.result()


def ai_service_metrics(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    for found, missing in _managed_prometheus(cluster):
        check.need(found, missing)
    return check.result()


def secure_accelerator_access(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    tainted = [
        f"{address} (taints {pool['node_taints']})"
        for address, pool in _gpu_pools(cluster)
        if any(is_gpu_taint(taint) for taint in pool.get("node_taints", []))
    ]
    check.need(", ".join(tainted) or None, "a GPU pool tainted so only GPU workloads land there")
    check.need(_device_class(workloads), "GPU access only through ResourceClaims (DRA DeviceClass)")
    return check.result()


def robust_controller(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    address, body = _cluster(cluster)
    check.need(
        f"{address} (ai_toolchain_operator_enabled: KAITO)"
        if body.get("ai_toolchain_operator_enabled")
        else None,
        "the KAITO operator (cluster.kaito_enabled)",
    )
    workspaces = [
        workspace_address
        for workspace_address, manifest in _manifests(workloads, "Workspace")
        if manifest.get("apiVersion", "").startswith("kaito.sh/")
    ]
    check.need(workspaces[0] + " (kaito.sh Workspace)" if workspaces else None, "a KAITO Workspace")
    return check.result()


REQUIREMENTS = (
    Requirement(
        "dra_support", "Dynamic Resource Allocation API and a driver for the accelerators", dra_support
    ),
    Requirement(
        "ai_inference", "Gateway API routing for inference: weighted split and header match", ai_inference
    ),
    Requirement("gang_scheduling", "An all-or-nothing (gang) scheduling solution", gang_scheduling),
    Requirement("cluster_autoscaling", "Autoscaling of accelerator node groups", cluster_autoscaling),
    Requirement("pod_autoscaling", "Pod autoscaling on custom metrics", pod_autoscaling),
    Requirement("accelerator_metrics", "Accelerator metrics in Prometheus format", accelerator_metrics),
    Requirement(
        "ai_service_metrics", "Collection of workload metrics in Prometheus format", ai_service_metrics
    ),
    Requirement(
        "secure_accelerator_access",
        "Accelerators isolated and granted per workload",
        secure_accelerator_access,
    ),
    Requirement("robust_controller", "A robust CRD-based AI operator", robust_controller),
)


def evaluate(cluster: Stack, workloads: Stack | None) -> dict[str, Finding]:
    return {requirement.id: requirement.rule(cluster, workloads or {}) for requirement in REQUIREMENTS}


def markdown(environment: str, findings: dict[str, Finding]) -> str:
    provided = sum(finding.provided for finding in findings.values())
    lines = [
        f"# AI conformance: {environment}",
        "",
        f"Kubernetes AI Conformance (1.34) MUST items provided: {provided} of {len(findings)}.",
        f"Computed from the synthesized stacks {STACK_PREFIX}-{environment} and "
        f"{STACK_PREFIX}-{environment}{WORKLOADS_SUFFIX}.",
        "",
        "| Requirement | Status | Resources / reason |",
        "|---|---|---|",
    ]
    for requirement in REQUIREMENTS:
        finding = findings[requirement.id]
        if finding.provided:
            detail = "<br>".join(f"`{item}`" for item in finding.evidence)
            status = "provided"
        else:
            detail = "missing: " + "; ".join(finding.missing)
            status = "**not provided**"
        lines.append(f"| `{requirement.id}`: {requirement.summary} | {status} | {detail} |")
    return "\n".join(lines) + "\n"


def load_stacks(files: dict[str, Path]) -> dict[str, tuple[Stack, Stack | None]]:
    """Environment -> (cluster stack, workloads stack or None), from stack_files()."""
    return {
        name: (
            json.loads(path.read_text()),
            json.loads(files[name + WORKLOADS_SUFFIX].read_text())
            if name + WORKLOADS_SUFFIX in files
            else None,
        )
        for name, path in files.items()
        if not name.endswith(WORKLOADS_SUFFIX)
    }


def main(argv: list[str]) -> int:
    _, files = stack_files_or_exit(argv)
    environments = load_stacks(files)
    REPORT_DIR.mkdir(exist_ok=True)
    for environment, (cluster, workloads) in environments.items():
        report = markdown(environment, evaluate(cluster, workloads))
        (REPORT_DIR / f"{environment}.md").write_text(report)
        print(report)
    print(f"written: {', '.join(f'conformance/{name}.md' for name in environments)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
