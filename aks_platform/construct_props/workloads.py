"""Settings -> props for the workloads stack: KAITO, inference routing, Kueue, DRA, scrape configs.

Objects whose CRDs the cluster provides reach their constructs as ClusterObjectsProps from the
stack's ObjectsApplier (aks_platform/cluster_objects.py), which is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import ITerraformDependable

from aks_platform import kaito_lifecycle, manifests
from aks_platform.cluster_objects import REPOSITORY_FROM_STACK, ObjectsApplier
from aks_platform.endpoint import endpoint_objects
from aks_platform.kueue_values import kueue_values
from aks_platform.naming import Naming
from aks_platform.queues import kueue_objects
from aks_platform.settings import (
    EnvironmentSettings,
)
from aks_platform.settings.gpus import gpu_taint_key
from constructs.cluster_objects import ClusterObjectsProps
from constructs.gang_scheduling import GangSchedulingProps
from constructs.helm_chart import HelmChartProps
from constructs.inference_routing import InferenceRoutingProps
from constructs.kaito_workspace import KaitoWorkspaceProps, NodesGoneProps
from constructs.nvidia_dra import NvidiaDraProps
from constructs.scrape_config import ScrapeConfigProps


def objects_applier(
    naming: Naming, settings: EnvironmentSettings, after: Sequence[ITerraformDependable] = ()
) -> ObjectsApplier:
    """The workloads stack's applier; `after` (the role assignments' wait) comes before every CRD
    wait and release."""
    return ObjectsApplier(
        cluster_name=naming.cluster,
        auth="entra" if settings.cluster.local_account_disabled else "local",
        after=tuple(after),
    )


@dataclass(frozen=True)
class KaitoPlan:
    """The Workspace's object and its release's name (None when the workspace is off)."""

    workspace: Mapping[str, Any] | None
    release: str


def kaito_plan(settings: EnvironmentSettings) -> KaitoPlan:
    spec = settings.workloads.kaito_workspace
    workspace = manifests.kaito_workspace(spec) if spec.enabled else None
    return KaitoPlan(workspace, kaito_lifecycle.release_name(workspace) if workspace else "")


def kaito_nodes_gone_props(
    naming: Naming, settings: EnvironmentSettings, plan: KaitoPlan
) -> NodesGoneProps | None:
    """The node guard, kept while the add-on is on (aks_platform/kaito_lifecycle.py)."""
    if not settings.cluster.kaito_enabled:
        return None
    spec, workspace = settings.workloads.kaito_workspace, plan.workspace
    return NodesGoneProps(
        command=kaito_lifecycle.NODES_GONE_COMMAND,
        input={
            "cluster": naming.cluster,
            "namespace": spec.namespace if workspace else "",
            "workspace": workspace["metadata"]["name"] if workspace else "",
            "release": plan.release,
        },
        environment=kaito_lifecycle.NODES_GONE_ENVIRONMENT,
        working_dir=REPOSITORY_FROM_STACK,
    )


def kaito_workspace_props(
    settings: EnvironmentSettings,
    objects: ObjectsApplier,
    plan: KaitoPlan,
    guard: ITerraformDependable | None,
) -> KaitoWorkspaceProps | None:
    if plan.workspace is None:
        return None
    spec = settings.workloads.kaito_workspace
    return KaitoWorkspaceProps(
        namespace=spec.namespace,
        release=objects.props(
            [plan.workspace],
            namespace=spec.namespace,
            release_name=plan.release,
            # Adopts a Workspace an earlier kubernetes_manifest created; on delete, Helm waits
            # while KAITO's finalizer removes its nodes' claims.
            adopt_existing=True,
            timeout=kaito_lifecycle.RELEASE_TIMEOUT,
            depends_on=[guard] if guard else [],
        ),
    )


def inference_routing_props(
    settings: EnvironmentSettings, objects: ObjectsApplier, workspace: ITerraformDependable
) -> InferenceRoutingProps | None:
    workloads = settings.workloads
    if not workloads.inference_routing.enabled:
        return None
    return InferenceRoutingProps(
        objects=objects.props(
            manifests.inference_routing(workloads.inference_routing, workloads.kaito_workspace),
            namespace=workloads.kaito_workspace.namespace,
            release_name="inference-routing",
            adopt_existing=True,
            depends_on=[workspace],
        ),
        namespaces=[workloads.inference_routing.gateway_namespace],
    )


def pinned_chart(key: str) -> HelmChartProps:
    """A chart of data/helm-charts.toml, installed in its own namespace (created with it)."""
    chart = manifests.helm_charts()[key]
    return HelmChartProps(
        repository=chart["repository"],
        chart=chart["chart"],
        version=chart["version"],
        namespace=chart["namespace"],
        create_namespace=True,
        wait=True,
    )


def gang_scheduling_props(
    settings: EnvironmentSettings, objects: ObjectsApplier, kaito_namespace: ITerraformDependable | None
) -> GangSchedulingProps | None:
    workloads = settings.workloads
    if not workloads.gang_scheduling.enabled:
        return None
    queues = kueue_objects(settings)
    existing = {workloads.kaito_workspace.namespace} if kaito_namespace is not None else set()
    kueue_chart = pinned_chart("kueue")
    return GangSchedulingProps(
        kueue_chart=kueue_chart,
        kueue_values=kueue_values(settings),
        queues=objects.props(queues, namespace=kueue_chart.namespace, release_name="kueue-queues"),
        namespaces=sorted(
            {item["metadata"]["namespace"] for item in queues if item["kind"] == "LocalQueue"} - existing
        ),
        # The workspace's LocalQueue lives in the workspace's namespace.
        depends_on=[kaito_namespace] if kaito_namespace is not None else [],
    )


def nvidia_dra_props(settings: EnvironmentSettings) -> NvidiaDraProps | None:
    dra = settings.workloads.dra
    pool = next((pool for pool in settings.user_pools if pool.name == dra.node_pool), None)
    if not dra.enabled or pool is None:
        return None
    return NvidiaDraProps(
        chart=pinned_chart("nvidia_dra_driver"),
        node_pool=pool.name,
        driver_root=dra.driver_root,
        gpu_taint_key=gpu_taint_key(pool),
        # Validation allows DRA only on such a pool; the chart cannot see it for itself.
        no_device_plugin=pool.gpu_driver == "None" and pool.gpu_management != "Managed",
        # The Kubernetes floor (1.34) serves resource.k8s.io/v1: no guess from the cluster.
        resource_api_version="resource.k8s.io/v1",
    )


def gpu_metrics_props(settings: EnvironmentSettings) -> ScrapeConfigProps | None:
    """ama-metrics-settings-configmap turning the DCGM exporter target on, where a pool runs AKS's
    managed GPU stack and managed Prometheus is on."""
    if not settings.managed_prometheus.enabled:
        return None
    if not any(pool.gpu_management == "Managed" for pool in settings.user_pools):
        return None
    return ScrapeConfigProps(objects=[manifests.ama_metrics_settings()])


def inference_metrics_props(
    settings: EnvironmentSettings, objects: ObjectsApplier, kaito_namespace: ITerraformDependable
) -> ClusterObjectsProps | None:
    """The model server's metrics Service and ServiceMonitor, where its runtime serves Prometheus
    metrics; a ServiceMonitor's CRD comes from the metrics add-on, so through charts/cluster-objects."""
    workspace = settings.workloads.kaito_workspace
    if not settings.managed_prometheus.enabled or not manifests.serves_prometheus(workspace):
        return None
    return objects.props(
        manifests.inference_metrics(workspace),
        namespace=workspace.namespace,
        release_name="inference-metrics",
        adopt_existing=True,
        depends_on=[kaito_namespace],
    )


def endpoint_security_props(
    settings: EnvironmentSettings, objects: ObjectsApplier, namespaces: Sequence[ITerraformDependable]
) -> ClusterObjectsProps | None:
    """NetworkPolicies, certificate sync and Istio policies (aks_platform/endpoint.py), after the
    namespaces they live in."""
    found = endpoint_objects(settings)
    if not found:
        return None
    return objects.props(
        found,
        namespace=found[0]["metadata"]["namespace"],
        release_name="endpoint-security",
        depends_on=namespaces,
    )
