"""Gang scheduling with Kueue: the controller from its pinned chart, and queues for the GPU pool.

Kueue admits a workload only when quota exists for all of its pods, so a distributed job
starts whole or not at all. The ResourceFlavor, ClusterQueue and LocalQueue come from the
local chart charts/kueue-queues: they are Kueue custom resources, whose CRDs do not exist
when Terraform plans the stack, so they cannot be kubernetes_manifest resources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import yaml
from cdktf import ITerraformDependable
from cdktf_cdktf_provider_helm.release import Release

from aks_platform import manifests
from aks_platform.settings import GangSchedulingSettings
from constructs import Construct

# Terraform runs in cdktf.out/stacks/<stack>/; the chart stays in the repository.
QUEUES_CHART = "../../../charts/kueue-queues"


@dataclass(frozen=True)
class GangSchedulingProps:
    scheduling: GangSchedulingSettings
    node_pool: str
    queue_namespace: str
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class GangScheduling(Construct):
    """helm_release of Kueue, then helm_release of the queues that target the GPU pool."""

    def __init__(self, scope: Construct, id: str, props: GangSchedulingProps) -> None:
        super().__init__(scope, id)
        self.kueue = Release(self, "kueue", name="kueue", **manifests.pinned_chart("kueue"))
        self.kueue.override_logical_id("kueue")
        values = {
            "nodePool": props.node_pool,
            "queueNamespace": props.queue_namespace,
            "quota": {
                "cpu": props.scheduling.cpu_quota,
                "memory": props.scheduling.memory_quota,
                "gpu": props.scheduling.gpu_quota,
            },
        }
        self.queues = Release(
            self,
            "queues",
            name="kueue-queues",
            chart=QUEUES_CHART,
            namespace=manifests.helm_charts()["kueue"]["namespace"],
            values=[yaml.safe_dump(values, sort_keys=True)],
            depends_on=[self.kueue, *props.depends_on],
        )
        self.queues.override_logical_id("kueue_queues")
        self.local_queue = f"{props.node_pool}-queue"
        self.cluster_queue = f"{props.node_pool}-cluster-queue"
