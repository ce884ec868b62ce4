"""GPUs through Dynamic Resource Allocation: NVIDIA's DRA driver on a pool without the device plugin.

The driver, from its pinned chart, publishes the pool's GPUs as ResourceSlices, and its chart
creates the DeviceClass gpu.nvidia.com that ResourceClaims name. With resources.gpus.enabled the
chart always fails to render unless gpuResourcesEnabledOverride is set (templates/validation.yaml
at v25.12.0): it cannot see whether NVIDIA's device plugin runs, so the guard is unconditional. The
caller sets `no_device_plugin` only where it knows none runs on the pool (this repository's settings
allow DRA only on a pool with gpu_driver = "None" and no managed GPU stack). The kubelet plugin's
default node affinity wants Node Feature Discovery labels that AKS nodes do not carry, so it is
replaced by the pool's agentpool label: the plugin runs on that pool and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from cdktf_cdktf_provider_helm.release import Release

from constructs import Construct
from constructs.helm_chart import HelmChartProps

AGENTPOOL_LABEL = "kubernetes.azure.com/agentpool"


@dataclass(frozen=True)
class NvidiaDraProps:
    """Where the driver runs and where it finds the NVIDIA driver on the host."""

    chart: HelmChartProps
    "The nvidia-dra-driver-gpu chart."
    node_pool: str
    "The user pool whose GPUs it publishes."
    driver_root: str
    'Host path of the NVIDIA driver ("/run/nvidia/driver" with NVIDIA\'s GPU Operator).'
    gpu_taint_key: str | None = None
    "Key of the pool's GPU taint, which the kubelet plugin must tolerate."
    no_device_plugin: bool = False
    "True only where no device plugin runs on the pool: sets the chart's gpuResourcesEnabledOverride."
    resource_api_version: str | None = None
    "resource.k8s.io version for the chart's DeviceClass; unset, the chart asks the cluster."


def dra_values(props: NvidiaDraProps) -> dict[str, Any]:
    """The chart values: GPUs only (no ComputeDomains, so no controller), the kubelet plugin on the
    pool's nodes; the device-plugin guard overridden only where the caller says none runs."""
    values: dict[str, Any] = {
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
    if props.no_device_plugin:
        values["gpuResourcesEnabledOverride"] = True
    if props.resource_api_version:
        values["resourceApiVersion"] = props.resource_api_version
    return values


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
            repository=props.chart.repository,
            chart=props.chart.chart,
            version=props.chart.version,
            namespace=props.chart.namespace,
            create_namespace=props.chart.create_namespace,
            wait=props.chart.wait,
        )
