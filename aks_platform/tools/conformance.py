"""The AI conformance report, computed from the synthesized JSON of both stacks of an environment.

The checklist is the official one of the cluster's Kubernetes minor (data/ai-conformance.toml).
Every MUST and SHOULD item of it has a rule here that looks for the resources and values that
satisfy it and cites them, or says what is missing: provided, partly, not provided, or not
applicable. Remove a resource and its item drops. Besides a Markdown report, `make conformance`
writes a draft of the official checklist YAML with status and notes filled in, for a person to add
the evidence links a submission needs.

    python -m aks_platform.tools.conformance [cdktf.out]    (make conformance)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aks_platform import yaml_text
from aks_platform.naming import STACK_PREFIX, WORKLOADS_SUFFIX
from aks_platform.paths import CONFORMANCE_REPORTS
from aks_platform.tools.checklists import METADATA_FIELDS, Item, load_checklists
from aks_platform.tools.conformance_pools import (
    autoscaled,
    gpu_pools,
    kaito_node_provisioning,
    managed_gpu_pools,
)
from aks_platform.tools.dra_evidence import dra_beside_device_plugin, pool_drivers
from aks_platform.tools.scrape_evidence import dcgm_scrape, model_server_scrape
from aks_platform.tools.synth_output import stack_files_or_exit
from aks_platform.validation import is_gpu_taint
from aks_platform.versions import parse_version

REPORT_DIR = CONFORMANCE_REPORTS
# resource.k8s.io/v1 (Dynamic Resource Allocation) is GA and served by default from Kubernetes 1.34.
DRA_GA = (1, 34)

Stack = dict[str, Any]

PROVIDED, PARTLY, MISSING, NOT_APPLICABLE = "provided", "partly", "not provided", "not applicable"
# The checklist's statuses (cncf/ai-conformance scripts/validate.go) for each outcome.
STATUS = {
    PROVIDED: "Implemented",
    PARTLY: "Partially Implemented",
    MISSING: "Not Implemented",
    NOT_APPLICABLE: "N/A",
}


@dataclass(frozen=True)
class Finding:
    outcome: str
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def provided(self) -> bool:
        return self.outcome == PROVIDED


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

    def result(self, *, partial: bool = False) -> Finding:
        """Provided when nothing is missing; partly when `partial` and something was found."""
        if not self.missing:
            return Finding(PROVIDED, tuple(self.evidence))
        outcome = PARTLY if partial and self.evidence else MISSING
        return Finding(outcome, tuple(self.evidence), tuple(self.missing))


def _resources(stack: Stack, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, body in stack.get("resource", {}).get(resource_type, {}).items():
        yield f"{resource_type}.{name}", body


def _cluster(stack: Stack) -> tuple[str, dict[str, Any]]:
    return next(_resources(stack, "azurerm_kubernetes_cluster"), ("", {}))


def cluster_minor(cluster: Stack) -> str:
    parsed = parse_version(_cluster(cluster)[1].get("kubernetes_version", "0.0"))
    return f"{parsed[0]}.{parsed[1]}" if parsed else "0.0"


def _objects(workloads: Stack) -> list[tuple[str, dict[str, Any]]]:
    """Every Kubernetes object the workloads stack applies: manifests and chart-applied objects."""
    found = [(address, body["manifest"]) for address, body in _resources(workloads, "kubernetes_manifest")]
    for address, body in _resources(workloads, "helm_release"):
        for values in body.get("values", []):
            for item in (yaml_text.load(values) or {}).get("objects", []):
                found.append((f"{address} ({item['kind']} {item['metadata']['name']})", item))
    return found


def _manifests(workloads: Stack, kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(address, item) for address, item in _objects(workloads) if item.get("kind") == kind]


def _release(stack: Stack, chart: str) -> tuple[str, dict[str, Any]] | None:
    for address, body in _resources(stack, "helm_release"):
        if body.get("chart", "").rstrip("/").split("/")[-1] == chart:
            return address, body
    return None


def _release_evidence(stack: Stack, chart: str) -> str | None:
    found = _release(stack, chart)
    return f"{found[0]} (chart {chart} {found[1].get('version', 'local')})" if found else None


def dra_support(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    address, body = _cluster(cluster)
    version = body.get("kubernetes_version", "0.0")
    parsed = parse_version(version) or (0, 0, None)
    check.need(
        f"{address} (Kubernetes {version}: resource.k8s.io/v1, the DRA API, is GA and served)"
        if (parsed[0], parsed[1]) >= DRA_GA
        else None,
        f"Kubernetes >= {DRA_GA[0]}.{DRA_GA[1]}, where the DRA API is GA",
    )
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
    check.need(_release_evidence(workloads, "kueue"), "Kueue (workloads.gang_scheduling.enabled)")
    queues = _manifests(workloads, "ClusterQueue")
    local = _manifests(workloads, "LocalQueue")
    check.need(
        f"{queues[0][0]}, {local[0][0]}" if queues and local else None, "a ClusterQueue and a LocalQueue"
    )
    return check.result()


def cluster_autoscaling(cluster: Stack, workloads: Stack) -> Finding:
    """The cluster autoscaler on a GPU pool, or KAITO's own node provisioning for a Workspace (the
    design of a managed GPU pool, which AKS does not autoscale during the preview: docs/gpu.md)."""
    check = _Check()
    scaling = [
        f"{pool.address} ({pool.vm_size}, cluster autoscaler {pool.min_count}-{pool.max_count})"
        for pool in gpu_pools(cluster)
        if autoscaled(pool)
    ]
    scaling += kaito_node_provisioning(
        *_cluster(cluster), _manifests(workloads, "Workspace"), gpu_pools(cluster)
    )
    check.need(
        ", ".join(scaling) or None,
        "an autoscaling node pool of a GPU (N-series) size, or a KAITO Workspace whose GPU nodes KAITO "
        "provisions",
    )
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
    check.need(
        ", ".join(managed_gpu_pools(cluster)) or None,
        "a GPU pool with AKS's managed GPU stack (its DCGM exporter)",
    )
    check.need(*dcgm_scrape(_objects(workloads)))
    return check.result()


def ai_service_metrics(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    for found, missing in _managed_prometheus(cluster):
        check.need(found, missing)
    check.need(*model_server_scrape(_objects(workloads)))
    return check.result()


def secure_accelerator_access(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    tainted = [
        f"{pool.address} (taints {list(pool.taints)})"
        for pool in gpu_pools(cluster)
        if any(is_gpu_taint(taint) for taint in pool.taints)
    ]
    check.need(", ".join(tainted) or None, "a GPU pool tainted so only GPU workloads land there")
    mediated = [
        f"{pool.address} (GPUs handed out by the device plugin: gpu_driver {pool.driver or 'Install'})"
        for pool in gpu_pools(cluster)
        if pool.driver_installed
    ]
    dra = _release(workloads, "nvidia-dra-driver-gpu")
    if dra is not None:
        mediated.append(f"{dra[0]} (GPUs handed out through ResourceClaims)")
    check.need(", ".join(mediated) or None, "GPUs granted by the device plugin or a DRA driver")
    if dra is not None and dra_beside_device_plugin(dra[1], pool_drivers(cluster)):
        check.missing.append("the DRA driver runs beside the device plugin with its guard overridden")
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


def driver_runtime_management(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    installed = [
        f"{pool.address} (gpu driver Install: AKS installs it)"
        for pool in gpu_pools(cluster)
        if pool.driver == "Install"
    ]
    check.need(", ".join(installed) or None, 'a GPU pool whose driver AKS installs (gpu_driver = "Install")')
    check.need(
        ", ".join(managed_gpu_pools(cluster)) or None,
        'AKS\'s managed GPU stack on the pool (gpu_management = "Managed"): driver and plugin kept current',
    )
    address, body = _cluster(cluster)
    channel = body.get("node_os_upgrade_channel")
    check.need(
        f"{address} (node_os_upgrade_channel {channel}: node images with new drivers applied)"
        if channel in ("NodeImage", "SecurityPatch")
        else None,
        "node image upgrades (cluster.node_os_upgrade_channel)",
    )
    return check.result(partial=True)


def gpu_sharing(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    partitioned = [
        f"{pool.address} (MIG profile {pool.mig_profile})" for pool in gpu_pools(cluster) if pool.mig_profile
    ]
    check.need(", ".join(partitioned) or None, "a GPU pool partitioned with MIG (gpu_instance)")
    exposed = [
        f"{pool.address} (gpuProfile.nvidia.migStrategy {pool.mig_strategy}: the managed device plugin "
        "advertises the instances)"
        for pool in gpu_pools(cluster)
        if pool.mig_profile and pool.management_mode == "Managed" and pool.mig_strategy in ("Single", "Mixed")
    ]
    check.need(", ".join(exposed) or None, "a MIG strategy, so the device plugin advertises the instances")
    return check.result(partial=True)


def virtualized_accelerator(cluster: Stack, workloads: Stack) -> Finding:
    return Finding(
        NOT_APPLICABLE,
        missing=("no vGPU size (such as the NVadsA10 v5 series) in the environment's pools",),
    )


def advanced_inference_ingress(cluster: Stack, workloads: Stack) -> Finding:
    check = _Check()
    pools = _manifests(workloads, "InferencePool")
    check.need(pools[0][0] + " (InferencePool)" if pools else None, "an InferencePool for the model server")
    routed = [
        route_address
        for route_address, route in _manifests(workloads, "HTTPRoute")
        if any(
            ref.get("kind") == "InferencePool"
            for rule in route.get("spec", {}).get("rules", [])
            for ref in rule.get("backendRefs", [])
        )
    ]
    check.need(routed[0] if routed else None, "an HTTPRoute to the InferencePool")
    if not pools:
        check.missing.append(
            "a Gateway API Inference Extension implementation: AKS's managed Gateway API installs the "
            "standard channel only (installation Disabled or Standard in API 2026-08-01 and "
            "2026-07-02-preview), the Istio add-on does not expose Istio's inference-extension switch, and "
            "the add-on's KAITO keeps its gatewayAPIInferenceExtension feature gate off"
        )
    return check.result(partial=True)


def high_performance_networking(cluster: Stack, workloads: Stack) -> Finding:
    return Finding(
        MISSING,
        missing=("no RDMA/InfiniBand sizes and no DRA network driver (such as DRANET) in the environment",),
    )


def disaggregated_inference(cluster: Stack, workloads: Stack) -> Finding:
    return Finding(
        MISSING,
        missing=(
            "no prefill/decode split: KAITO's multi-role inference controller is off by default "
            "(feature gate enableMultiRoleInferenceController) and not exposed by the add-on",
        ),
    )


def workload_sandboxing(cluster: Stack, workloads: Stack) -> Finding:
    return Finding(MISSING, missing=("no sandboxed runtime (such as Kata containers) on the pools",))


RULES: dict[str, Callable[[Stack, Stack], Finding]] = {
    "dra_support": dra_support,
    "ai_inference": ai_inference,
    "gang_scheduling": gang_scheduling,
    "cluster_autoscaling": cluster_autoscaling,
    "pod_autoscaling": pod_autoscaling,
    "accelerator_metrics": accelerator_metrics,
    "ai_service_metrics": ai_service_metrics,
    "secure_accelerator_access": secure_accelerator_access,
    "robust_controller": robust_controller,
    "driver_runtime_management": driver_runtime_management,
    "gpu_sharing": gpu_sharing,
    "virtualized_accelerator": virtualized_accelerator,
    "advanced_inference_ingress": advanced_inference_ingress,
    "high_performance_networking": high_performance_networking,
    "disaggregated_inference": disaggregated_inference,
    "workload_sandboxing": workload_sandboxing,
}


class UnknownChecklistError(LookupError):
    """No checklist for the cluster's minor in data/ai-conformance.toml."""


def checklist_for(minor: str) -> list[Item]:
    checklists = load_checklists()
    if minor not in checklists:
        raise UnknownChecklistError(
            f"no AI conformance checklist for Kubernetes {minor} in data/ai-conformance.toml "
            f"(known: {', '.join(checklists)}); import it with python -m aks_platform.tools.checklists"
        )
    return checklists[minor]


def evaluate(cluster: Stack, workloads: Stack | None, minor: str | None = None) -> dict[str, Finding]:
    """Item id -> finding, for every item of the checklist of the cluster's minor (or `minor`)."""
    items = checklist_for(minor or cluster_minor(cluster))
    return {item.id: RULES[item.id](cluster, workloads or {}) for item in items}


def markdown(environment: str, minor: str, findings: dict[str, Finding]) -> str:
    items = {item.id: item for item in checklist_for(minor)}
    lines = [f"# AI conformance: {environment}", ""]
    for level in ("MUST", "SHOULD"):
        ids = [item_id for item_id in findings if items[item_id].level == level]
        provided = sum(findings[item_id].provided for item_id in ids)
        if ids:
            lines.append(
                f"Kubernetes AI Conformance {minor} {level} items provided: {provided} of {len(ids)}."
            )
    lines += [
        f"Computed from the synthesized stacks {STACK_PREFIX}-{environment} and "
        f"{STACK_PREFIX}-{environment}{WORKLOADS_SUFFIX}; the checklist is the one of the cluster's "
        f"Kubernetes minor ({minor}).",
        "",
        "| Item | Level | Status | Resources / what is missing |",
        "|---|---|---|---|",
    ]
    for item_id, finding in findings.items():
        detail = "<br>".join(f"`{entry}`" for entry in finding.evidence)
        if finding.missing:
            label = "why" if finding.outcome == NOT_APPLICABLE else "missing"
            detail += ("<br>" if detail else "") + f"{label}: " + "; ".join(finding.missing)
        status = finding.outcome if finding.provided else f"**{finding.outcome}**"
        lines.append(
            f"| `{item_id}` ({items[item_id].category}) | {items[item_id].level} | {status} | {detail} |"
        )
    return "\n".join(lines) + "\n"


def draft_checklist(environment: str, minor: str, findings: dict[str, Finding]) -> dict[str, Any]:
    """The official checklist YAML with status and notes filled; metadata and evidence left to a person."""
    metadata: dict[str, str] = {name: f"[{name}]" for name in METADATA_FIELDS}
    metadata["kubernetesVersion"] = f"v{minor}"
    spec: dict[str, list[dict[str, Any]]] = {}
    for item in checklist_for(minor):
        finding = findings[item.id]
        notes = "; ".join(finding.evidence)
        if finding.missing:
            label = "why" if finding.outcome == NOT_APPLICABLE else "missing"
            notes += ("; " if notes else "") + f"{label}: " + "; ".join(finding.missing)
        spec.setdefault(item.category, []).append(
            {
                "id": item.id,
                "description": item.description,
                "level": item.level,
                "status": STATUS[finding.outcome],
                "evidence": [],
                "notes": f"{environment} (from the synthesized stacks): {notes}",
            }
        )
    return {"metadata": metadata, "spec": spec}


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
    written = []
    for environment, (cluster, workloads) in environments.items():
        minor = cluster_minor(cluster)
        try:
            findings = evaluate(cluster, workloads, minor)
        except UnknownChecklistError as error:
            print(f"{environment}: {error}", file=sys.stderr)
            return 2
        report = markdown(environment, minor, findings)
        (REPORT_DIR / f"{environment}.md").write_text(report)
        draft = REPORT_DIR / f"{environment}-AIConformance-{minor}.yaml"
        draft.write_text(
            "# Draft: status and notes computed from the synthesized stacks; fill metadata and evidence.\n"
            + yaml.safe_dump(draft_checklist(environment, minor, findings), sort_keys=False, width=100)
        )
        written += [f"conformance/{environment}.md", f"conformance/{draft.name}"]
        print(report)
    print(f"written: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
