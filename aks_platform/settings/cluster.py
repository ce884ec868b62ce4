"""The managed cluster ([cluster] and its tables): version, identity and sign-in, network profile,
add-ons and hardening, with the rules on their values.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, StrictBool, StrictInt, StrictStr, model_validator

from aks_platform.settings.base import Guid, Settings, at_most, matching, refuse, unset_to_none
from aks_platform.settings.versions import KubernetesVersion

DiskEncryptionSetId = Annotated[
    StrictStr,
    matching(
        r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+"
        r"/providers/Microsoft\.Compute/diskEncryptionSets/[^/]+$",
        "use the resource id of a disk encryption set: /subscriptions/<id>/resourceGroups/<rg>"
        "/providers/Microsoft.Compute/diskEncryptionSets/<name>",
    ),
]
RotationInterval = Annotated[StrictStr, matching(r"^[1-9][0-9]*[smh]$", "use a duration such as 2m or 1h")]


def _authorized_range(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise refuse("use an IPv4 CIDR range such as 203.0.113.0/24") from None
    if network.prefixlen == 0:
        raise refuse("0.0.0.0/0 allows every address; list the ranges that need access")
    return value


AuthorizedRange = Annotated[StrictStr, AfterValidator(_authorized_range)]
# AKS accepts at most 200 authorized IP ranges (api-server-authorized-ip-ranges.md, limitations).
MAX_AUTHORIZED_RANGES = 200
AuthorizedRanges = Annotated[
    tuple[AuthorizedRange, ...],
    at_most(MAX_AUTHORIZED_RANGES, "authorized IP ranges (AKS's limit); merge ranges into wider CIDRs"),
]


class EntraIdRbacSettings(Settings):
    """Microsoft Entra ID sign-in for the cluster, with Azure RBAC for Kubernetes authorization."""

    azure_rbac_enabled: StrictBool = True
    "Azure RBAC for Kubernetes authorization. On unless set, this app's choice (azurerm's default: off)."
    admin_group_object_ids: tuple[Guid, ...] = ()
    "Object ids (GUIDs) of the Entra ID groups that get cluster admin."
    tenant_id: Guid | None = None
    "A GUID; unset means the tenant of the deploying identity."
    deployer_object_id: Guid | None = None
    (
        "Object id of the identity that deploys the workloads stack (a CI service principal, say): the "
        "cluster stack gives it Azure Kubernetes Service RBAC Cluster Admin on the cluster. Unset: the "
        "identity running Terraform (docs/deploy-lifecycle.md)."
    )


class NetworkSettings(Settings):
    """The cluster network profile (unset keeps AKS's default, as main.tf did)."""

    plugin: Literal["azure", "kubenet", "none"] = "azure"
    '"azure" (Azure CNI) or "kubenet"; "none" is refused: nothing in the stacks installs a CNI.'
    plugin_mode: Annotated[Literal["overlay"] | None, BeforeValidator(unset_to_none)] = "overlay"
    (
        '"overlay" (needs plugin "azure"); defaults to unset with any other plugin; "none" unsets it. '
        "Overlay unless set, this app's choice (azurerm's default: unset)."
    )
    data_plane: Annotated[Literal["azure", "cilium"] | None, BeforeValidator(unset_to_none)] = "cilium"
    (
        '"azure" or "cilium" (Cilium needs Azure CNI and policy "cilium"); unset with a plugin other than '
        "azure; \"none\" unsets it. Cilium unless set, this app's choice (azurerm's "
        "default: unset)."
    )
    policy: Annotated[Literal["azure", "calico", "cilium"] | None, BeforeValidator(unset_to_none)] = "cilium"
    (
        '"azure" (Azure CNI only), "calico" (Azure CNI or kubenet) or "cilium" (with the Cilium data '
        "plane); \"none\" unsets it. Cilium unless set, this app's choice (azurerm's "
        "default: unset)."
    )

    @model_validator(mode="before")
    @classmethod
    def _defaults_follow_the_plugin(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("plugin", "azure") != "azure":
            return {"plugin_mode": None, "data_plane": None, "policy": None, **data}
        return data


class KeyVaultSecretsProviderSettings(Settings):
    """The Secrets Store CSI driver add-on for Azure Key Vault."""

    secret_rotation_enabled: StrictBool = True
    "Poll Key Vault and update mounted secrets. On unless set, this app's choice (azurerm's default: off)."
    rotation_interval: RotationInterval = "2m"
    'Polling interval, a duration such as "2m".'


class WorkloadAutoscalerSettings(Settings):
    """Pod autoscaling add-ons: KEDA (event-driven) and the vertical pod autoscaler."""

    keda: StrictBool = False
    "The KEDA add-on (event-driven pod autoscaling)."
    vertical_pod_autoscaler: StrictBool = False
    "The vertical pod autoscaler add-on."


class ClusterSettings(Settings):
    """The managed cluster: version, identity, the AI toolchain operator and hardening."""

    kubernetes_version: KubernetesVersion = "1.34.2"
    (
        "`MAJOR.MINOR[.PATCH]`, at least 1.34 (the AI conformance floor), a minor and patch listed in "
        'data/aks-versions.toml; a minor alias such as "1.36" is recommended. This app always sets one '
        "(azurerm's default: unset, AKS's default version)."
    )
    oidc_issuer_enabled: StrictBool = True
    "The OIDC issuer; required by KAITO and workload identity. On unless set (azurerm's default: off)."
    workload_identity_enabled: StrictBool = True
    "Workload identity; needs the OIDC issuer. On unless set (azurerm's default: off)."
    kaito_enabled: StrictBool = True
    "KAITO, the AI toolchain operator add-on; needs the OIDC issuer. On unless set (azurerm's default: off)."
    local_account_disabled: StrictBool = False
    "Sign-in through Entra ID only; needs `entra_id_rbac`."
    sku_tier: Literal["Free", "Standard", "Premium"] | None = None
    '"Free", "Standard" (uptime SLA) or "Premium"; unset is Free.'
    cost_analysis_enabled: StrictBool = False
    "AKS cost analysis; needs sku_tier Standard or Premium."
    automatic_upgrade_channel: Literal["patch", "rapid", "stable", "node-image"] | None = None
    (
        '"patch", "rapid", "stable" or "node-image"; unset means no automatic upgrades (azurerm 4.55 has '
        'no "none"). Not with a pinned patch version, except "node-image".'
    )
    support_plan: Literal["KubernetesOfficial", "AKSLongTermSupport"] | None = None
    ('"KubernetesOfficial" or "AKSLongTermSupport" (needs sku_tier "Premium"); unset is KubernetesOfficial.')
    node_os_upgrade_channel: Literal["None", "Unmanaged", "SecurityPatch", "NodeImage"] | None = None
    (
        '"None", "Unmanaged", "SecurityPatch" or "NodeImage" (required with automatic_upgrade_channel '
        '"node-image").'
    )
    entra_id_rbac: EntraIdRbacSettings | None = None
    "Entra ID sign-in with Azure RBAC (a table); required when local accounts are disabled."
    azure_policy_enabled: StrictBool = False
    "The Azure Policy add-on (Gatekeeper)."
    network: NetworkSettings | None = None
    "The network profile (a table); unset keeps AKS's default, as main.tf did."
    api_server_authorized_ip_ranges: AuthorizedRanges = ()
    "At most 200 CIDRs allowed to reach the public API server, not 0.0.0.0/0; not with a private cluster."
    private_cluster_enabled: StrictBool = False
    "API server on a private endpoint; not with authorized IP ranges."
    disk_encryption_set_id: DiskEncryptionSetId | None = None
    (
        "Resource id of an existing Microsoft.Compute/diskEncryptionSets (customer-managed key for OS and "
        "data disks)."
    )
    key_vault_secrets_provider: KeyVaultSecretsProviderSettings | None = None
    "The Secrets Store CSI driver for Azure Key Vault (a table)."
    image_cleaner_enabled: StrictBool = False
    "Image cleaner: removes unused, vulnerable images."
    image_cleaner_interval_hours: StrictInt = 48
    "How often the image cleaner runs, 24-2160 hours."
    workload_autoscaler: WorkloadAutoscalerSettings = WorkloadAutoscalerSettings()
    "KEDA and the vertical pod autoscaler (a table)."
