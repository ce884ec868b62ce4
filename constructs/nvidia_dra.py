"""GPUs through Dynamic Resource Allocation: NVIDIA's DRA driver and a DeviceClass.

Kubernetes 1.34 serves the DRA API (resource.k8s.io/v1). The driver, from its pinned chart,
publishes the GPU pool's GPUs as ResourceSlices; pods get one by a ResourceClaim that names
the DeviceClass, and a pod without a claim sees none (secure_accelerator_access).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.manifest import Manifest

from aks_platform import manifests
from aks_platform.settings import DraSettings
from constructs import Construct


@dataclass(frozen=True)
class NvidiaDraProps:
    dra: DraSettings
    node_pool: str
    gpu_taint_key: str | None


class NvidiaDra(Construct):
    """helm_release of the NVIDIA DRA driver and a `resource.k8s.io/v1` DeviceClass."""

    def __init__(self, scope: Construct, id: str, props: NvidiaDraProps) -> None:
        super().__init__(scope, id)
        values: dict[str, object] = {
            # AKS installs the GPU driver on the host (gpu_driver = "Install").
            "nvidiaDriverRoot": "/",
            "gpuResourcesEnabledOverride": True,
            "resources": {"gpus": {"enabled": True}, "computeDomains": {"enabled": False}},
            "kubeletPlugin": {
                "nodeSelector": {"kubernetes.azure.com/agentpool": props.node_pool},
                "tolerations": (
                    [{"key": props.gpu_taint_key, "operator": "Exists", "effect": "NoSchedule"}]
                    if props.gpu_taint_key
                    else []
                ),
            },
        }
        self.driver = Release(
            self,
            "driver",
            name="nvidia-dra-driver-gpu",
            values=[yaml.safe_dump(values, sort_keys=True)],
            **manifests.pinned_chart("nvidia_dra_driver"),
        )
        self.driver.override_logical_id("nvidia_dra_driver")
        self.device_class = Manifest(
            self,
            "device-class",
            manifest=manifests.device_class(props.dra),
            depends_on=[self.driver],
        )
        self.device_class.override_logical_id("dra_device_class")
