"""Registers AKS preview features on the subscription, waits, then re-registers the resource provider.

Feature registration is asynchronous in Azure: the PUT returns before the feature is usable, so
a fixed sleep follows (as main.tf had). AKS documents a second step that main.tf skipped: after a
feature is registered, register the Microsoft.ContainerService resource provider again so the
feature propagates to it. The cluster depends on `ready`, that re-registration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_time.sleep import Sleep

from constructs import Construct
from constructs.azapi import AzapiResourceAction

FEATURE_REGISTRATION_TYPE = "Microsoft.Features/featureProviders/subscriptionFeatureRegistrations@2021-07-01"
FEATURE_NAMESPACE = "Microsoft.ContainerService"
PROVIDER_TYPE = "Microsoft.Resources/providers@2021-04-01"


@dataclass(frozen=True)
class PreviewFeaturesProps:
    """Microsoft.ContainerService preview features to register in one subscription."""

    subscription_id: str
    features: Sequence[str]
    "Feature names, such as ManagedGPUExperiencePreview."
    wait: str = "60s"
    (
        "How long to wait after registering before the provider is registered again (a Go duration; "
        "registration is asynchronous and AKS documents no way to poll it from Terraform)."
    )


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
            self.registrations.append(registration)

        self.wait = Sleep(
            self,
            "wait",
            create_duration=props.wait,
            depends_on=list(self.registrations),
        )

        self.ready = AzapiResourceAction(
            self,
            "register-provider",
            type=PROVIDER_TYPE,
            resource_id=f"/subscriptions/{props.subscription_id}/providers/{FEATURE_NAMESPACE}",
            action="register",
            method="POST",
            depends_on=[self.wait],
        )
