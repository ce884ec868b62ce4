"""The terraform block both stacks share: where state lives, and how provider sources are spelled."""

from __future__ import annotations

from cdktf import AzurermBackend, LocalBackend, TerraformStack

from aks_platform.naming import Naming
from aks_platform.settings import AzurermBackendSettings, BackendSettings


def configure_backend(
    stack: TerraformStack, backend: BackendSettings, naming: Naming, stack_name: str
) -> None:
    """`key` (azurerm) names the cluster stack's blob; other stacks of the environment add their suffix."""
    if isinstance(backend, AzurermBackendSettings):
        key = naming.state_blob(backend.key, stack_name)
        AzurermBackend(
            stack,
            resource_group_name=backend.resource_group_name,
            storage_account_name=backend.storage_account_name,
            container_name=backend.container_name,
            key=key,
            use_azuread_auth=backend.use_azuread_auth,
        )
    else:
        LocalBackend(stack, path=naming.local_state_file(stack_name))


def spell_out_provider_sources(stack: TerraformStack, *providers: str) -> None:
    """Prebuilt bindings write a short source ("azurerm"); write the full "hashicorp/azurerm"."""
    for provider in providers:
        stack.add_override(f"terraform.required_providers.{provider}.source", f"hashicorp/{provider}")
