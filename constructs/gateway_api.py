"""Turns on the managed Gateway API CRDs of an existing AKS cluster.

azurerm 4.55 has no attribute for `properties.ingressProfile.gatewayAPI`, so an azapi update
merges it into the cluster after azurerm has created it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable

from constructs import Construct
from constructs.azapi import AzapiUpdateResource


@dataclass(frozen=True)
class ManagedGatewayApiProps:
    """The managed Gateway API installation of one cluster."""

    cluster_id: str
    "Azure resource id of the cluster (AksCluster.id)."
    api_version: str
    "managedClusters API version that has ingressProfile.gatewayAPI (2026-03-01 or later)."
    depends_on: Sequence[ITerraformDependable] = ()
    "At least the cluster's last operation (AksCluster.last_operation): AKS takes one at a time."


class ManagedGatewayApi(Construct):
    """`azapi_update_resource` that sets ingressProfile.gatewayAPI.installation = Standard."""

    def __init__(self, scope: Construct, id: str, props: ManagedGatewayApiProps) -> None:
        super().__init__(scope, id)
        self.resource = AzapiUpdateResource(
            self,
            "install",
            type=f"Microsoft.ContainerService/managedClusters@{props.api_version}",
            resource_id=props.cluster_id,
            body={"properties": {"ingressProfile": {"gatewayAPI": {"installation": "Standard"}}}},
            depends_on=props.depends_on,
        )
