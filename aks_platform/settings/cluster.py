"""The managed cluster ([cluster] and its tables): version, identity and sign-in, network profile,
add-ons and hardening, with the rules on their values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, StrictBool, StrictInt, StrictStr, model_validator

from aks_platform.settings.base import Guid, Settings, at_most, matching, refuse, unset_to_none
from aks_platform.settings.versions import KubernetesVersion
from aks_platform.validation_types import Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings

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


# --- Rules across the cluster's values ---
IMAGE_CLEANER_HOURS = (24, 2160)


def oidc_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    # The version's form and the AI conformance floor are rules on the field (versions.KubernetesVersion).
    cluster = settings.cluster
    if not cluster.oidc_issuer_enabled:
        for key, enabled, what in (
            ("cluster.kaito_enabled", cluster.kaito_enabled, "KAITO"),
            ("cluster.workload_identity_enabled", cluster.workload_identity_enabled, "workload identity"),
        ):
            if enabled:
                yield Problem(
                    key,
                    enabled,
                    f"{what} needs the OIDC issuer: set cluster.oidc_issuer_enabled = true or {key} = false",
                )


def combination_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Combinations Azure refuses, and formats it would reject at deploy time."""
    cluster = settings.cluster
    if cluster.local_account_disabled and cluster.entra_id_rbac is None:
        yield Problem(
            "cluster.local_account_disabled",
            True,
            "without local accounts nobody can sign in: add [cluster.entra_id_rbac] with "
            "admin_group_object_ids, or set local_account_disabled = false",
        )
    if cluster.cost_analysis_enabled and cluster.sku_tier in (None, "Free"):
        yield Problem(
            "cluster.cost_analysis_enabled",
            True,
            'cost analysis needs sku_tier "Standard" or "Premium"; the Free tier refuses it',
        )
    if cluster.automatic_upgrade_channel == "node-image" and cluster.node_os_upgrade_channel not in (
        None,
        "NodeImage",
    ):
        yield Problem(
            "cluster.node_os_upgrade_channel",
            cluster.node_os_upgrade_channel,
            'with automatic_upgrade_channel = "node-image" it must be "NodeImage"',
        )
    network = cluster.network
    if network is not None:
        if network.data_plane == "cilium" and network.policy != "cilium":
            yield Problem(
                "cluster.network.policy",
                network.policy,
                'the Cilium data plane enforces policy itself: set policy = "cilium"',
            )
        if network.policy == "cilium" and network.data_plane != "cilium":
            # Named on the policy: data_plane is often unset (kubenet leaves it unset), and "null"
            # is no TOML value a reader could write.
            needs = 'data_plane = "cilium"' + (
                "" if network.plugin == "azure" else ' and plugin = "azure" (with kubenet use "calico")'
            )
            yield Problem("cluster.network.policy", network.policy, f"Cilium network policy needs {needs}")
        # Azure Network Policy Manager and the Cilium data plane run on Azure CNI only; with
        # kubenet, Calico is the one policy engine (AKS network policy docs, comparison table).
        if network.plugin != "azure" and network.data_plane == "cilium":
            yield Problem(
                "cluster.network.data_plane",
                network.data_plane,
                'the Cilium data plane needs plugin = "azure"',
            )
        if network.plugin != "azure" and network.policy == "azure":
            yield Problem(
                "cluster.network.policy",
                network.policy,
                'Azure Network Policy Manager needs plugin = "azure"; with kubenet use "calico"',
            )
        if network.plugin_mode == "overlay" and network.plugin != "azure":
            yield Problem("cluster.network.plugin", network.plugin, 'overlay mode needs plugin = "azure"')
    if cluster.private_cluster_enabled and cluster.api_server_authorized_ip_ranges:
        yield Problem(
            "cluster.api_server_authorized_ip_ranges",
            list(cluster.api_server_authorized_ip_ranges),
            "a private cluster has no public API server to restrict: remove the ranges or set "
            "private_cluster_enabled = false",
        )
    low, high = IMAGE_CLEANER_HOURS
    if cluster.image_cleaner_enabled and not low <= cluster.image_cleaner_interval_hours <= high:
        yield Problem(
            "cluster.image_cleaner_interval_hours",
            cluster.image_cleaner_interval_hours,
            f"use {low}-{high} hours",
        )


# Rules across the cluster's values that AKS or the deployed cluster would refuse later.
#
# One function per rule, each yielding Problems with its source named:
# - An upgrade channel that moves the minor (rapid, stable) beside the kubernetes_version the stacks
#   always send: AKS moves the cluster to a newer minor and the next plan tries to go back, which AKS
#   refuses (no minor downgrades: supported-kubernetes-versions.md, "Downgrades aren't supported").
# - network plugin "none": AKS installs no CNI (use-byo-cni.md), the stacks install none either,
#   so every node stays NotReady.
# - Local accounts off with Kubernetes RBAC (Azure RBAC off) and no admin group: nobody holds a
#   cluster role (manage-local-accounts-managed-azure-ad.md needs an admin group or Azure RBAC).
MINOR_MOVING_CHANNELS = ("rapid", "stable")


def upgrade_channel_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    cluster = settings.cluster
    if cluster.automatic_upgrade_channel in MINOR_MOVING_CHANNELS:
        yield Problem(
            "cluster.automatic_upgrade_channel",
            cluster.automatic_upgrade_channel,
            f'"{cluster.automatic_upgrade_channel}" moves the cluster to newer minors, and the stacks always '
            f"send kubernetes_version ({cluster.kubernetes_version}): the next plan would try to go back, "
            'which AKS refuses. Use "patch" with a minor alias (raise the minor yourself), or "node-image"',
        )


def network_plugin_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    network = settings.cluster.network
    if network is not None and network.plugin == "none":
        yield Problem(
            "cluster.network.plugin",
            "none",
            'with "none" AKS installs no CNI and these stacks install none either, so the nodes stay '
            'NotReady: use "azure" (Azure CNI, overlay) or "kubenet"',
        )


def access_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    cluster = settings.cluster
    rbac = cluster.entra_id_rbac
    if (
        cluster.local_account_disabled
        and rbac is not None
        and not rbac.azure_rbac_enabled
        and not rbac.admin_group_object_ids
    ):
        yield Problem(
            "cluster.entra_id_rbac.admin_group_object_ids",
            [],
            "with local accounts disabled and Azure RBAC off, only the admin groups get a cluster role, "
            "and there are none: nobody could use the cluster (the workloads stack would get 403). Add "
            "an admin group, set azure_rbac_enabled = true, or local_account_disabled = false",
        )


def cluster_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    yield from upgrade_channel_problems(settings)
    yield from network_plugin_problems(settings)
    yield from access_problems(settings)
