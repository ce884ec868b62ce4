"""Registers AKS preview features on the subscription, then waits for Azure to act on them.

Feature registration is asynchronous in Azure: the PUT returns before the feature is usable,
so the cluster waits on `ready` (a fixed sleep, as main.tf did) instead of on the PUTs.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_time.sleep import Sleep

from aks_platform.naming import snake_case
from constructs import Construct
from constructs.azapi import AzapiResourceAction

FEATURE_REGISTRATION_TYPE = "Microsoft.Features/featureProviders/subscriptionFeatureRegistrations@2021-07-01"
FEATURE_NAMESPACE = "Microsoft.ContainerService"


@dataclass(frozen=True)
class PreviewFeaturesProps:
    subscription_id: str
    features: tuple[str, ...]
    wait: str


class PreviewFeatures(Construct):
    """One registration per feature and a sleep after all of them; depend on `ready`."""

    def __init__(self, scope: Construct, id: str, props: PreviewFeaturesProps) -> None:
        super().__init__(scope, id)
        self.registrations: list[AzapiResourceAction] = []
        for feature in props.features:
            registration = AzapiResourceAction(
                self,
                feature,
                type=FEATURE_REGISTRATION_TYPE,
                resource_id=(
                    f"/subscriptions/{props.subscription_id}/providers/Microsoft.Features"
                    f"/featureProviders/{FEATURE_NAMESPACE}"
                    f"/subscriptionFeatureRegistrations/{feature}"
                ),
                method="PUT",
                body={},
            )
            registration.override_logical_id(f"register_{snake_case(feature)}")
            self.registrations.append(registration)

        self.ready = Sleep(
            self,
            "wait",
            create_duration=props.wait,
            depends_on=list(self.registrations),
        )
        self.ready.override_logical_id("wait_for_preview_features")
