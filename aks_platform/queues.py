"""Kueue queues of one environment, with quotas equal to the capacity each one describes.

- The KAITO workspace's namespace gets a LocalQueue named "default". Kueue's LocalQueueDefaulting
  (always on in Kueue 0.19, within managedJobsNamespaceSelector; pkg/controller/jobframework/defaults.go
  and pkg/controller/jobs/statefulset/statefulset_webhook.go at v0.19.2) then labels the StatefulSet
  KAITO creates there with that queue, so the inference workload is admitted by Kueue, as one
  pod group. Its flavor is the nodes KAITO provisions for
  the workspace (KAITO's node label), its quota their capacity: instance type times count.
- The batch pool (a user pool) gets a LocalQueue for batch jobs; its flavor is the pool (AKS's
  agentpool label, tolerating the pool's GPU taint), its quota the pool at max_count.

CPU and memory quotas are the VM's vCPUs and memory; GPU quota exists only where the VM has GPUs
(times the MIG instances per GPU on a MIG pool). Sizes come from data/vm-sizes.toml.
"""

from __future__ import annotations

from typing import Any

from aks_platform import manifests
from aks_platform.azure_facts import VmSize, load_vm_sizes
from aks_platform.settings import EnvironmentSettings, NodePoolSettings
from aks_platform.settings.workloads import NO_BATCH_POOL

DEFAULT_LOCAL_QUEUE = "default"
AGENTPOOL_LABEL = "kubernetes.azure.com/agentpool"


def _quota(
    size: VmSize, nodes: int, gpus_per_node: int, gpu_resource: str | None = None
) -> list[dict[str, str]]:
    resources = [
        {"name": "cpu", "nominalQuota": str(size.vcpus * nodes)},
        {"name": "memory", "nominalQuota": f"{size.memory_gib * nodes}Gi"},
    ]
    if gpus_per_node:
        resources.append(
            {"name": gpu_resource or manifests.NVIDIA_GPU, "nominalQuota": str(gpus_per_node * nodes)}
        )
    return resources


def gpu_resource(pool: NodePoolSettings, size: VmSize) -> str:
    """The extended resource a pool's GPUs are advertised as. NVIDIA's device plugin: with the Single
    MIG strategy (and without MIG) every GPU or MIG instance is nvidia.com/gpu; with Mixed each MIG
    instance is nvidia.com/mig-<profile> (k8s-device-plugin README, "MIG support"; the profile
    names per size are in data/vm-sizes.toml)."""
    if pool.mig_strategy == "Mixed" and pool.gpu_instance is not None:
        return f"nvidia.com/mig-{size.mig_profiles[pool.gpu_instance]}"
    return manifests.NVIDIA_GPU


def gpus_per_node(pool: NodePoolSettings, size: VmSize) -> int:
    """nvidia.com/gpu a node of the pool advertises: its GPUs, or their MIG instances."""
    if pool.gpu_instance is not None:
        return size.gpus * size.mig_instances.get(pool.gpu_instance, 1)
    return size.gpus


def max_nodes(pool: NodePoolSettings) -> int:
    return (pool.max_count if pool.auto_scaling else pool.node_count) or 0


def batch_pool(settings: EnvironmentSettings) -> NodePoolSettings | None:
    name = settings.workloads.gang_scheduling.batch_pool
    return next((pool for pool in settings.user_pools if pool.name == name), None)


def kueue_queues(settings: EnvironmentSettings) -> list[dict[str, Any]]:
    """The queues of an environment (applied through charts/cluster-objects) (valid settings assumed)."""
    sizes = load_vm_sizes()
    workloads = settings.workloads
    queues: list[dict[str, Any]] = []
    kaito = workloads.kaito_workspace
    if kaito.enabled:
        size = sizes[kaito.instance_type]
        queues.append(
            {
                "clusterQueue": f"{kaito.name}-inference",
                "localQueue": DEFAULT_LOCAL_QUEUE,
                "namespace": kaito.namespace,
                "flavor": {"name": f"{kaito.name}-nodes", "nodeLabels": manifests.kaito_node_labels(kaito)},
                "resources": _quota(size, kaito.count, size.gpus),
            }
        )
    pool = batch_pool(settings)
    if pool is not None:
        size = sizes[pool.vm_size]
        flavor: dict[str, Any] = {"name": pool.name, "nodeLabels": {AGENTPOOL_LABEL: pool.name}}
        tolerations = [_toleration(taint) for taint in pool.taints]
        if tolerations:
            flavor["tolerations"] = tolerations
        queues.append(
            {
                "clusterQueue": f"{pool.name}-batch",
                "localQueue": f"{pool.name}-batch",
                "namespace": workloads.gang_scheduling.batch_namespace,
                "flavor": flavor,
                "resources": _quota(
                    size, max_nodes(pool), gpus_per_node(pool, size), gpu_resource(pool, size)
                ),
            }
        )
    return queues


def kueue_objects(settings: EnvironmentSettings) -> list[dict[str, Any]]:
    """ResourceFlavor, ClusterQueue and LocalQueue of every queue (templates/kueue-queue.yaml)."""
    objects: list[dict[str, Any]] = []
    for queue in kueue_queues(settings):
        flavor, cluster_queue, local_queue = manifests.render(
            "kueue-queue.yaml",
            flavor=queue["flavor"]["name"],
            cluster_queue=queue["clusterQueue"],
            local_queue=queue["localQueue"],
            namespace=queue["namespace"],
        )
        flavor["spec"]["nodeLabels"] = dict(queue["flavor"]["nodeLabels"])
        if queue["flavor"].get("tolerations"):
            flavor["spec"]["tolerations"] = list(queue["flavor"]["tolerations"])
        group = cluster_queue["spec"]["resourceGroups"][0]
        group["coveredResources"] = [resource["name"] for resource in queue["resources"]]
        group["flavors"][0]["resources"] = [dict(resource) for resource in queue["resources"]]
        objects += [flavor, cluster_queue, local_queue]
    return objects


def _toleration(taint: str) -> dict[str, str]:
    """The toleration that matches a taint written key=value:effect (or key:effect)."""
    key_value, effect = taint.rsplit(":", 1)
    key, _, value = key_value.partition("=")
    if value:
        return {"key": key, "operator": "Equal", "value": value, "effect": effect}
    return {"key": key, "operator": "Exists", "effect": effect}


def queue_namespaces(settings: EnvironmentSettings) -> set[str]:
    """The namespaces that get a LocalQueue (whose pods Kueue governs)."""
    scheduling = settings.workloads.gang_scheduling
    kaito = settings.workloads.kaito_workspace
    namespaces = {kaito.namespace} if kaito.enabled else set()
    if scheduling.batch_pool != NO_BATCH_POOL:
        namespaces.add(scheduling.batch_namespace)
    return namespaces
