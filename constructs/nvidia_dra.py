"""GPUs through Dynamic Resource Allocation: NVIDIA's DRA driver on a pool without the device plugin.

The driver, from its pinned chart, publishes the pool's GPUs as ResourceSlices, and its chart
creates the DeviceClass gpu.nvidia.com that ResourceClaims name. The chart refuses to run beside
NVIDIA's device plugin (which AKS runs wherever it installs the driver) unless that guard is
overridden; it is never overridden here, and settings validation only allows DRA on a pool with
gpu_driver = "None". The kubelet plugin's default node affinity wants Node Feature Discovery
labels that AKS nodes do not carry, so it is replaced by the pool's agentpool label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from cdktf_cdktf_provider_helm.release import Release

from constructs import Construct

AGENTPOOL_LABEL = "kubernetes.azure.com/agentpool"


@dataclass(frozen=True)
class NvidiaDraProps:
    """Where the driver runs and where it finds the NVIDIA driver on the host."""

    #: helm_release arguments of the nvidia-dra-driver-gpu chart.
    chart: Mapping[str, Any]
    #: The user pool whose GPUs it publishes.
    node_pool: str
    #: Host path of the NVIDIA driver ("/run/nvidia/driver" with NVIDIA's GPU Operator).
    driver_root: str
    #: Key of the pool's GPU taint, which the kubelet plugin must tolerate.
    gpu_taint_key: str | None = None


def dra_values(props: NvidiaDraProps) -> dict[str, Any]:
    """The chart values: GPUs only (no ComputeDomains), on the pool's nodes, guard left on."""
    return {
        "nvidiaDriverRoot": props.driver_root,
        "resources": {"gpus": {"enabled": True}, "computeDomains": {"enabled": False}},
        "kubeletPlugin": {
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": AGENTPOOL_LABEL, "operator": "In", "values": [props.node_pool]}
                                ]
                            }
                        ]
                    }
                }
            },
            "tolerations": (
                [{"key": props.gpu_taint_key, "operator": "Exists", "effect": "NoSchedule"}]
                if props.gpu_taint_key
                else []
            ),
        },
    }


class NvidiaDra(Construct):
    """helm_release of the NVIDIA DRA driver (GPUs only)."""

    def __init__(self, scope: Construct, id: str, props: NvidiaDraProps) -> None:
        super().__init__(scope, id)
        self.values = dra_values(props)
        self.driver = Release(
            self,
            "driver",
            name="nvidia-dra-driver-gpu",
            values=[yaml.safe_dump(self.values, sort_keys=True)],
            **dict(props.chart),
        )
