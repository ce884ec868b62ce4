"""A small typed binding for the Azure/azapi provider: the provider and the three resource kinds we use.

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
    TerraformResourceLifecycle,
)

from constructs import Construct
from constructs.hcl import hcl_any, hcl_string

AZAPI_SOURCE = "Azure/azapi"
# One release, pinned like azurerm: azapi validates an azapi_resource body at plan time against the
# schemas it embeds, so the agent pool API version we send must be one this release knows
# (data/azapi-schemas/: 2.12.0 embeds managedClusters/agentPools up to 2026-05-02-preview).
AZAPI_VERSION = "2.12.0"


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
                provider_version_constraint=AZAPI_VERSION,
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
        lifecycle: TerraformResourceLifecycle | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=terraform_resource_type,
            depends_on=list(depends_on) if depends_on else None,
            lifecycle=lifecycle,
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


class AzapiResource(_AzapiResource):
    """`azapi_resource`: one Azure resource that azapi creates, updates (PUT) and deletes.

    azapi validates `type` and `body` against the schema it embeds for that API version at plan
    time (schema_validation_enabled defaults to true). A change to a path in
    `replace_triggers_refs` (JMESPath into the body) replaces the resource instead of updating it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        type: str,
        name: str,
        parent_id: str,
        body: Mapping[str, Any],
        replace_triggers_refs: Sequence[str] = (),
        depends_on: Sequence[ITerraformDependable] | None = None,
        lifecycle: TerraformResourceLifecycle | None = None,
    ) -> None:
        attributes: dict[str, Any] = {"type": type, "name": name, "parent_id": parent_id, "body": dict(body)}
        if replace_triggers_refs:
            attributes["replace_triggers_refs"] = list(replace_triggers_refs)
        super().__init__(
            scope,
            id,
            terraform_resource_type="azapi_resource",
            attributes=attributes,
            depends_on=depends_on,
            lifecycle=lifecycle,
        )

    @property
    def name(self) -> str:
        return self.get_string_attribute("name")
