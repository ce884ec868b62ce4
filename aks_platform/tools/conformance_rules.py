"""The AI conformance rules: one per checklist item id (RULES), each reading the synthesized cluster
and workloads stacks of an environment and citing the resources that satisfy the item, or saying
what is missing (aks_platform/tools/conformance.py runs them on the cluster minor's checklist).
"""

from __future__ import annotations

from collections.abc import Callable

from aks_platform.settings.gpus import is_gpu_taint
from aks_platform.tools.conformance_findings import (
    MISSING,
    NOT_APPLICABLE,
    Check,
    Finding,
    Stack,
    applied_objects,
    cluster_resource,
    objects_of_kind,
    release,
    release_evidence,
    resources,
)
from aks_platform.tools.conformance_pools import (
    autoscaled,
    gpu_pools,
    kaito_node_provisioning,
    managed_gpu_pools,
)
from aks_platform.tools.dra_evidence import dra_beside_device_plugin, pool_drivers
from aks_platform.tools.scrape_evidence import dcgm_scrape, model_server_scrape
from aks_platform.versions import parse_version

# resource.k8s.io/v1 (Dynamic Resource Allocation) is GA and served by default from Kubernetes 1.34.
DRA_GA = (1, 34)


def dra_support(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
    address, body = cluster_resource(cluster)
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
    check = Check()
    address, body = cluster_resource(cluster)
    mesh = body.get("service_mesh_profile") or {}
    check.need(
        f"{address} (Istio add-on {mesh.get('revisions')})" if mesh.get("mode") == "Istio" else None,
        "the Istio add-on",
    )
    gateway_api = [
        update_address
        for update_address, update in resources(cluster, "azapi_update_resource")
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
    gateways = objects_of_kind(workloads, "Gateway")
    check.need(gateways[0][0] + " (Gateway)" if gateways else None, "a Gateway")
    weighted = header = None
    for route_address, route in objects_of_kind(workloads, "HTTPRoute"):
        for rule in route.get("spec", {}).get("rules", []):
            if sum(1 for ref in rule.get("backendRefs", []) if "weight" in ref) >= 2:
                weighted = f"{route_address} (weighted split)"
            if any(match.get("headers") for match in rule.get("matches", [])):
                header = f"{route_address} (header match)"
    check.need(weighted, "an HTTPRoute with a weighted split between two backends")
    check.need(header, "an HTTPRoute with a header match")
    return check.result()


def gang_scheduling(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
    check.need(release_evidence(workloads, "kueue"), "Kueue (workloads.gang_scheduling.enabled)")
    queues = objects_of_kind(workloads, "ClusterQueue")
    local = objects_of_kind(workloads, "LocalQueue")
    check.need(
        f"{queues[0][0]}, {local[0][0]}" if queues and local else None, "a ClusterQueue and a LocalQueue"
    )
    return check.result()


def cluster_autoscaling(cluster: Stack, workloads: Stack) -> Finding:
    """Provided by the cluster autoscaler on a GPU pool. KAITO's own node provisioning for a
    Workspace (the design of a managed GPU pool, which AKS does not autoscale during the preview:
    docs/gpu.md) is only part of it: the item asks for scaling on any pending pod that requests an
    accelerator, and KAITO adds nodes when a Workspace is created, not for other pending pods."""
    check = Check()
    autoscaled_pools = [
        f"{pool.address} ({pool.vm_size}, cluster autoscaler {pool.min_count}-{pool.max_count})"
        for pool in gpu_pools(cluster)
        if autoscaled(pool)
    ]
    provisioning = kaito_node_provisioning(
        *cluster_resource(cluster), objects_of_kind(workloads, "Workspace"), gpu_pools(cluster)
    )
    if provisioning and not autoscaled_pools:
        check.evidence.extend(provisioning)
        check.need(
            None,
            "scaling on pending pods that request GPUs: KAITO provisions nodes for a Workspace only, and "
            "no GPU pool has the cluster autoscaler (AKS does not autoscale a managed GPU pool during "
            "the preview)",
        )
        check.missing.extend(_locked_scale_down(cluster))
        return check.result(partial=True)
    check.need(
        ", ".join(autoscaled_pools + provisioning) or None,
        "an autoscaling node pool of a GPU (N-series) size (a KAITO Workspace whose GPU nodes KAITO "
        "provisions gives only part of it)",
    )
    return check.result()


def _locked_scale_down(cluster: Stack) -> list[str]:
    """KAITO scales down by deleting the Workspace's agent pool, a child of the cluster: a
    CanNotDelete lock on the cluster refuses that to everyone (docs/production.md, Protection)."""
    address, _ = cluster_resource(cluster)
    return [
        f"scale-down while {lock_address} (CanNotDelete on {address}) is on: the lock refuses KAITO's "
        "gpu-provisioner deleting the Workspace's GPU pool (docs/production.md)"
        for lock_address, lock in resources(cluster, "azurerm_management_lock")
        if lock.get("lock_level") == "CanNotDelete" and lock.get("scope") == "${" + address + ".id}"
    ]


def pod_autoscaling(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
    address, body = cluster_resource(cluster)
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
    address, body = cluster_resource(cluster)
    workspace = next(resources(cluster, "azurerm_monitor_workspace"), None)
    rules = [
        rule_address
        for rule_address, rule in resources(cluster, "azurerm_monitor_data_collection_rule")
        if rule.get("data_sources", {}).get("prometheus_forwarder")
    ]
    return [
        (f"{address} (monitor_metrics)" if "monitor_metrics" in body else None, "the metrics add-on"),
        (workspace[0] if workspace else None, "an Azure Monitor workspace"),
        (rules[0] + " (Prometheus forwarder)" if rules else None, "a Prometheus data collection rule"),
    ]


def accelerator_metrics(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
    for found, missing in _managed_prometheus(cluster):
        check.need(found, missing)
    check.need(
        ", ".join(managed_gpu_pools(cluster)) or None,
        "a GPU pool with AKS's managed GPU stack (its DCGM exporter)",
    )
    check.need(*dcgm_scrape(applied_objects(workloads)))
    return check.result()


def ai_service_metrics(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
    for found, missing in _managed_prometheus(cluster):
        check.need(found, missing)
    check.need(*model_server_scrape(applied_objects(workloads)))
    return check.result()


def secure_accelerator_access(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
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
    dra = release(workloads, "nvidia-dra-driver-gpu")
    if dra is not None:
        mediated.append(f"{dra[0]} (GPUs handed out through ResourceClaims)")
    check.need(", ".join(mediated) or None, "GPUs granted by the device plugin or a DRA driver")
    if dra is not None and dra_beside_device_plugin(dra[1], pool_drivers(cluster)):
        check.missing.append("the DRA driver runs beside the device plugin with its guard overridden")
    return check.result()


def robust_controller(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
    address, body = cluster_resource(cluster)
    check.need(
        f"{address} (ai_toolchain_operator_enabled: KAITO)"
        if body.get("ai_toolchain_operator_enabled")
        else None,
        "the KAITO operator (cluster.kaito_enabled)",
    )
    workspaces = [
        workspace_address
        for workspace_address, manifest in objects_of_kind(workloads, "Workspace")
        if manifest.get("apiVersion", "").startswith("kaito.sh/")
    ]
    check.need(workspaces[0] + " (kaito.sh Workspace)" if workspaces else None, "a KAITO Workspace")
    return check.result()


def driver_runtime_management(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
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
    address, body = cluster_resource(cluster)
    channel = body.get("node_os_upgrade_channel")
    check.need(
        f"{address} (node_os_upgrade_channel {channel}: node images with new drivers applied)"
        if channel in ("NodeImage", "SecurityPatch")
        else None,
        "node image upgrades (cluster.node_os_upgrade_channel)",
    )
    return check.result(partial=True)


def gpu_sharing(cluster: Stack, workloads: Stack) -> Finding:
    check = Check()
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
    check = Check()
    pools = objects_of_kind(workloads, "InferencePool")
    check.need(pools[0][0] + " (InferencePool)" if pools else None, "an InferencePool for the model server")
    routed = [
        route_address
        for route_address, route in objects_of_kind(workloads, "HTTPRoute")
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
