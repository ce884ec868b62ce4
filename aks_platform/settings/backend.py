"""Where Terraform keeps state ([backend]): a local file or an azurerm blob."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool

from aks_platform.settings.azure_names import BlobName, ContainerName, ResourceGroupName, StorageAccountName
from aks_platform.settings.base import Settings


class LocalBackendSettings(Settings):
    """Terraform state in a file beside the project (relative, so no machine path leaks)."""

    type: Literal["local"] = "local"
    (
        '"local": state in `terraform.<stack>.tfstate` at the project root (a relative path); '
        '"azurerm": state in a blob, with the keys below.'
    )


class AzurermBackendSettings(Settings):
    """Terraform state in an Azure Storage blob, as main.tf kept it."""

    type: Literal["azurerm"]
    '"azurerm".'
    resource_group_name: ResourceGroupName
    "Resource group of the state storage account: 1-90 letters, digits, `_-.()`, not ending with `.`."
    storage_account_name: StorageAccountName
    "The storage account that holds the state: 3-24 lowercase letters and digits."
    container_name: ContainerName
    "The blob container: 3-63 lowercase letters, digits and hyphens."
    key: BlobName | None = None
    (
        "The cluster stack's blob; unset is `<stack name>.tfstate`. The workloads stack adds `-workloads` "
        "before `.tfstate`."
    )
    use_azuread_auth: StrictBool = True
    "Entra ID auth to the storage account instead of keys."


BackendSettings = Annotated[LocalBackendSettings | AzurermBackendSettings, Field(discriminator="type")]
