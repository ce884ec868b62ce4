"""Registers resource providers and subscription features on a subscription.

A provider is registered with POST .../providers/<namespace>/register; a feature with a PUT of a
subscriptionFeatureRegistration, which is asynchronous: a fixed wait follows (as for the preview
features), then the provider of each feature is registered (again), which the feature docs
require so that the feature reaches the provider. Registering an already registered provider or
feature is a no-op in Azure, so every apply may repeat it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_time.sleep import Sleep

from constructs import Construct
from constructs.azapi import AzapiResourceAction
from constructs.preview_features import FEATURE_REGISTRATION_TYPE, PROVIDER_TYPE


@dataclass(frozen=True)
class ResourceProvidersProps:
    subscription_id: str
    providers: Sequence[str]
    "Namespaces such as Microsoft.Monitor."
    features: Sequence[str] = ()
    (
        '"Namespace/FeatureName", such as Microsoft.Compute/EncryptionAtHost; their namespaces are '
        "registered after the wait."
    )
    wait: str = "60s"
    "A Go duration, after the feature registrations."


class ResourceProviders(Construct):
    """`providers` maps each namespace to its registration: make resources depend on it."""

    def __init__(self, scope: Construct, id: str, props: ResourceProvidersProps) -> None:
        super().__init__(scope, id)
        subscription = f"/subscriptions/{props.subscription_id}"
        self.features: list[AzapiResourceAction] = []
        for feature in props.features:
            namespace, name = feature.split("/", 1)
            self.features.append(
                AzapiResourceAction(
                    self,
                    f"feature-{name}",
                    type=FEATURE_REGISTRATION_TYPE,
                    resource_id=(
                        f"{subscription}/providers/Microsoft.Features/featureProviders/{namespace}"
                        f"/subscriptionFeatureRegistrations/{name}"
                    ),
                    method="PUT",
                    body={},
                )
            )
        self.wait = (
            Sleep(self, "wait", create_duration=props.wait, depends_on=list(self.features))
            if self.features
            else None
        )
        with_features = {feature.split("/", 1)[0] for feature in props.features}
        self.providers: dict[str, AzapiResourceAction] = {}
        for namespace in sorted({*props.providers, *with_features}):
            self.providers[namespace] = AzapiResourceAction(
                self,
                f"provider-{namespace.replace('.', '')}",
                type=PROVIDER_TYPE,
                resource_id=f"{subscription}/providers/{namespace}",
                action="register",
                method="POST",
                depends_on=[self.wait] if self.wait is not None and namespace in with_features else None,
            )
