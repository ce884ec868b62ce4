"""A small typed binding for the Azure/azapi provider: the provider and the two resource kinds we use.

azapi has no prebuilt CDKTF package and `cdktf get` needs the Terraform registry, so these
classes synthesize the documented attributes directly on cdktf's base classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from cdktf import (
    ITerraformDependable,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
)

from constructs import Construct
from constructs.hcl import hcl_any, hcl_string

AZAPI_SOURCE = "Azure/azapi"
# 2.x accepts `body` as an HCL object and embeds the managedClusters schemas we send.
AZAPI_VERSION_CONSTRAINT = "~> 2.9"


class AzapiProvider(TerraformProvider):
    """The azapi provider block; it authenticates the same way as azurerm (Azure CLI, OIDC, MSI)."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="azapi",
            terraform_provider_source=AZAPI_SOURCE,
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                provider_name="azapi",
                provider_version_constraint=AZAPI_VERSION_CONSTRAINT,
            ),
        )

    @jsii.member(jsii_name="synthesizeAttributes")
    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return {}


class _AzapiResource(TerraformResource):
    """Shared shape: a resource type of azapi and a fixed set of attributes."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        terraform_resource_type: str,
        attributes: Mapping[str, Any],
        depends_on: Sequence[ITerraformDependable] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=terraform_resource_type,
            depends_on=list(depends_on) if depends_on else None,
        )
        self._attributes = dict(attributes)

    @jsii.member(jsii_name="synthesizeAttributes")
    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes

    @jsii.member(jsii_name="synthesizeHclAttributes")
    def _synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        """The same attributes for `cdktf synth --hcl`: strings as strings, `body` as an HCL object."""
        return {
            name: hcl_string(value) if isinstance(value, str) else hcl_any(value)
            for name, value in self._attributes.items()
        }

    @property
    def id(self) -> str:
        return self.get_string_attribute("id")


class AzapiResourceAction(_AzapiResource):
    """`azapi_resource_action`: one ARM call (such as a feature registration PUT) on a resource id."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        type: str,
        resource_id: str,
        method: str = "POST",
        body: Mapping[str, Any] | None = None,
        action: str | None = None,
        depends_on: Sequence[ITerraformDependable] | None = None,
    ) -> None:
        attributes: dict[str, Any] = {"type": type, "resource_id": resource_id}
        # `action` is appended to the resource id's URL (POST .../register); without it the call goes
        # to the resource id itself.
        if action is not None:
            attributes["action"] = action
        attributes["method"] = method
        attributes["body"] = dict(body or {})
        super().__init__(
            scope,
            id,
            terraform_resource_type="azapi_resource_action",
            attributes=attributes,
            depends_on=depends_on,
        )


class AzapiUpdateResource(_AzapiResource):
    """`azapi_update_resource`: a PATCH-like merge of `body` into an existing resource."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        type: str,
        resource_id: str,
        body: Mapping[str, Any],
        depends_on: Sequence[ITerraformDependable] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="azapi_update_resource",
            attributes={"type": type, "resource_id": resource_id, "body": dict(body)},
            depends_on=depends_on,
        )
