"""Typed, frozen settings for one environment of the AI-conformant AKS platform.

Every value the stacks use comes from here. The defaults reproduce the hand-written
main.tf this project replaces, so an environment file states only what differs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

# The AKS default tags that main.tf put on every taggable resource.
DEFAULT_TAGS: dict[str, str] = {"ManagedBy": "Terraform", "Purpose": "AI-Conformant-AKS"}


# TOML has no null: an optional setting is unset by omitting it, or by writing "none" where its
# default is a value (see NetworkSettings).
UNSET = "none"


def _unset_to_none(value: Any) -> Any:
    return None if value == UNSET else value


def merge_over(defaults: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """The tables a user writes merge over the defaults, table by table; any other value replaces."""
    merged = dict(defaults)
    for key, value in written.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_over(merged[key], value)
        else:
            merged[key] = value
    return merged


class Settings(BaseModel):
    """Base of every settings model: immutable, and unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UpgradeSettings(Settings):
    """How AKS surges and drains nodes when it upgrades a pool."""

    max_surge: StrictStr = "10%"
    drain_timeout_in_minutes: StrictInt = 0
    node_soak_duration_in_minutes: StrictInt = 0


class NodePoolSettings(Settings):
    """One node pool: the system (default) pool or a user pool such as the GPU pool."""

    name: StrictStr
    # Defaults to "<name>temp", the name main.tf used for both pools.
    temporary_name_for_rotation: StrictStr | None = None
    vm_size: StrictStr
    node_count: StrictInt | None = None
    auto_scaling: StrictBool = True
    min_count: StrictInt | None = None
    max_count: StrictInt | None = None
    zones: tuple[StrictStr, ...] = ()
    labels: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    taints: tuple[StrictStr, ...] = ()
    gpu_driver: Literal["Install", "None"] | None = None
    # Multi-instance GPU profile of the pool's GPUs (MIG-capable sizes such as A100 only).
    gpu_instance: Literal["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"] | None = None
    # AKS's managed GPU stack (driver, device plugin, DCGM exporter): gpuProfile.nvidia.managementMode.
    gpu_management: Literal["Managed", "Unmanaged"] | None = None
    # How the managed device plugin exposes MIG instances: gpuProfile.nvidia.migStrategy (preview API).
    mig_strategy: Literal["Single", "Mixed"] | None = None
    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    only_critical_addons: StrictBool = False
    upgrade: UpgradeSettings = UpgradeSettings()
    # Hardening (unset = provider default, as main.tf had it).
    max_pods: StrictInt | None = None
    os_disk_type: Literal["Managed", "Ephemeral"] | None = None
    os_disk_size_gb: StrictInt | None = None
    host_encryption: StrictBool = False

    @property
    def rotation_name(self) -> str:
        return self.temporary_name_for_rotation or default_rotation_name(self.name)


# AKS allows 12 characters for a Linux pool name, rotation names included: the derived name keeps
# main.tf's "<name>temp" and shortens the name so that it always fits.
ROTATION_SUFFIX = "temp"
POOL_NAME_MAX = 12


def default_rotation_name(name: str) -> str:
    return f"{name[: POOL_NAME_MAX - len(ROTATION_SUFFIX)]}{ROTATION_SUFFIX}"


class EntraIdRbacSettings(Settings):
    """Microsoft Entra ID sign-in for the cluster, with Azure RBAC for Kubernetes authorization."""

    azure_rbac_enabled: StrictBool = True
    admin_group_object_ids: tuple[StrictStr, ...] = ()
    # Defaults to the tenant of the deploying identity.
    tenant_id: StrictStr | None = None


class NetworkSettings(Settings):
    """The cluster network profile (unset keeps AKS's default, as main.tf did)."""

    plugin: Literal["azure", "kubenet", "none"] = "azure"
    # These default to Azure CNI overlay with Cilium, and to unset with any other plugin (none of
    # them applies there). Write "none" to unset one.
    plugin_mode: Annotated[Literal["overlay"] | None, BeforeValidator(_unset_to_none)] = "overlay"
    data_plane: Annotated[Literal["azure", "cilium"] | None, BeforeValidator(_unset_to_none)] = "cilium"
    policy: Annotated[Literal["azure", "calico", "cilium"] | None, BeforeValidator(_unset_to_none)] = "cilium"

    @model_validator(mode="before")
    @classmethod
    def _defaults_follow_the_plugin(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("plugin", "azure") != "azure":
            return {"plugin_mode": None, "data_plane": None, "policy": None, **data}
        return data


class KeyVaultSecretsProviderSettings(Settings):
    """The Secrets Store CSI driver add-on for Azure Key Vault."""

    secret_rotation_enabled: StrictBool = True
    rotation_interval: StrictStr = "2m"


class WorkloadAutoscalerSettings(Settings):
    """Pod autoscaling add-ons: KEDA (event-driven) and the vertical pod autoscaler."""

    keda: StrictBool = False
    vertical_pod_autoscaler: StrictBool = False


class ClusterSettings(Settings):
    """The managed cluster: version, identity, the AI toolchain operator and hardening."""

    kubernetes_version: StrictStr = "1.34.2"
    oidc_issuer_enabled: StrictBool = True
    workload_identity_enabled: StrictBool = True
    kaito_enabled: StrictBool = True
    local_account_disabled: StrictBool = False
    # Hardening; every default below leaves the attribute unset, as main.tf did.
    sku_tier: Literal["Free", "Standard", "Premium"] | None = None
    cost_analysis_enabled: StrictBool = False
    # Unset means no automatic upgrades (azurerm 4.55 has no "none" value; it omits the attribute).
    automatic_upgrade_channel: Literal["patch", "rapid", "stable", "node-image"] | None = None
    # "AKSLongTermSupport" keeps a minor past its standard support (needs sku_tier "Premium").
    support_plan: Literal["KubernetesOfficial", "AKSLongTermSupport"] | None = None
    node_os_upgrade_channel: Literal["None", "Unmanaged", "SecurityPatch", "NodeImage"] | None = None
    entra_id_rbac: EntraIdRbacSettings | None = None
    azure_policy_enabled: StrictBool = False
    network: NetworkSettings | None = None
    api_server_authorized_ip_ranges: tuple[StrictStr, ...] = ()
    private_cluster_enabled: StrictBool = False
    # An existing disk encryption set (customer-managed key) for OS and data disks.
    disk_encryption_set_id: StrictStr | None = None
    key_vault_secrets_provider: KeyVaultSecretsProviderSettings | None = None
    image_cleaner_enabled: StrictBool = False
    image_cleaner_interval_hours: StrictInt = 48
    workload_autoscaler: WorkloadAutoscalerSettings = WorkloadAutoscalerSettings()


class IstioSettings(Settings):
    """The Istio-based service mesh add-on and its ingress gateways."""

    enabled: StrictBool = True
    revisions: tuple[StrictStr, ...] = ("asm-1-28",)
    external_ingress_gateway: StrictBool = True
    internal_ingress_gateway: StrictBool = False


class PreviewFeatureSettings(Settings):
    """Subscription preview features registered before the cluster is created."""

    names: tuple[StrictStr, ...] = ("ManagedGatewayAPIPreview", "ManagedGPUExperiencePreview")
    # Feature registration is asynchronous in Azure; main.tf waited a fixed time.
    wait: StrictStr = "60s"


class GatewayApiSettings(Settings):
    """The managed Gateway API CRDs, installed through the AKS API (azurerm has no attribute)."""

    enabled: StrictBool = True
    # First GA managedClusters API version with properties.ingressProfile.gatewayAPI.
    api_version: StrictStr = "2026-03-01"


class ManagedPrometheusSettings(Settings):
    """Azure Monitor managed Prometheus: workspace, collection pipeline and recording rules."""

    enabled: StrictBool = True
    # Kubernetes label and annotation keys that kube-state-metrics may export (allowlists).
    labels_allowed: tuple[StrictStr, ...] = ()
    annotations_allowed: tuple[StrictStr, ...] = ()


class ContainerInsightsSettings(Settings):
    """Container Insights: the monitoring add-on, logging to a Log Analytics workspace of the stack."""

    enabled: StrictBool = False
    retention_in_days: StrictInt = 30


class KaitoWorkspaceSettings(Settings):
    """A KAITO inference workspace (templates/kaito-workspace.yaml), as the AKS add-on admits it.

    The add-on runs KAITO with node auto-provisioning: KAITO creates nodes of `instance_type` for
    the workspace itself (labelled with the workspace's node label), not on the cluster's pools.
    """

    enabled: StrictBool = True
    namespace: StrictStr = "smollm2"
    name: StrictStr = "smollm2-workspace"
    # The VM size KAITO provisions for the workspace (required by KAITO from v0.8). The default is
    # main.tf's CPU-only POC size; GPU environments use an N-series size.
    instance_type: StrictStr = "Standard_D16s_v5"
    count: StrictInt = 1
    # "template": main.tf's own pod template (the CPU POC); "preset": KAITO's vLLM preset generated
    # from the Hugging Face model id, which needs GPUs.
    runtime: Literal["template", "preset"] = "template"
    model: StrictStr = "HuggingFaceTB/SmolLM2-1.7B-Instruct"
    # Template runtime only: main.tf's image and dtype, and what the pod requests of its node.
    image: StrictStr = "mcr.microsoft.com/aks/kaito/kaito-base:0.0.8"
    torch_dtype: Literal["float32", "float16", "bfloat16"] = "float32"
    cpu_request: StrictStr = "4"
    memory_request: StrictStr = "16Gi"


class InferenceRoutingSettings(Settings):
    """A Gateway on the Istio gateway class and an HTTPRoute with a weighted split and a header match."""

    enabled: StrictBool = True
    gateway_class: StrictStr = "istio"
    # Requests carrying this header go to the canary backend; the rest are split by weight.
    canary_header: StrictStr = "x-canary"
    stable_weight: StrictInt = 90
    canary_weight: StrictInt = 10


class GangSchedulingSettings(Settings):
    """Kueue (pinned in data/helm-charts.toml) and queues whose quotas are the capacity they describe.

    The KAITO workspace's namespace gets a LocalQueue named "default", so Kueue labels the
    workload KAITO creates there (LocalQueueDefaulting); `batch_pool` gets a queue for batch jobs.
    """

    enabled: StrictBool = True
    # A user pool for batch jobs (its own ClusterQueue and LocalQueue); "none" leaves it out.
    batch_pool: StrictStr = "gpunp"
    batch_namespace: StrictStr = "batch"


class DraSettings(Settings):
    """The NVIDIA DRA driver (pinned in data/helm-charts.toml) on a GPU pool without the device plugin.

    AKS runs NVIDIA's device plugin where it installs the driver; the DRA driver refuses to run
    beside it, so DRA needs a pool with gpu_driver = "None" and a driver you install yourself.
    """

    enabled: StrictBool = False
    node_pool: StrictStr = "gpunp"
    # Where the NVIDIA driver lives on the host: "/run/nvidia/driver" with NVIDIA's GPU Operator.
    driver_root: StrictStr = "/run/nvidia/driver"


class WorkloadsSettings(Settings):
    """The second stack per environment: what runs in the cluster to make it AI-conformant."""

    enabled: StrictBool = True
    kaito_workspace: KaitoWorkspaceSettings = KaitoWorkspaceSettings()
    inference_routing: InferenceRoutingSettings = InferenceRoutingSettings()
    gang_scheduling: GangSchedulingSettings = GangSchedulingSettings()
    dra: DraSettings = DraSettings()


class LocalBackendSettings(Settings):
    """Terraform state in a file beside the project (relative, so no machine path leaks)."""

    type: Literal["local"] = "local"


class AzurermBackendSettings(Settings):
    """Terraform state in an Azure Storage blob, as main.tf kept it."""

    type: Literal["azurerm"]
    resource_group_name: StrictStr
    storage_account_name: StrictStr
    container_name: StrictStr
    # Defaults to "<stack name>.tfstate".
    key: StrictStr | None = None
    use_azuread_auth: StrictBool = True


BackendSettings = Annotated[LocalBackendSettings | AzurermBackendSettings, Field(discriminator="type")]


def _default_system_pool() -> NodePoolSettings:
    return NodePoolSettings(
        name="default",
        vm_size="Standard_D2s_v3",
        min_count=2,
        max_count=5,
        zones=("1", "2", "3"),
        only_critical_addons=True,
    )


def _default_user_pools() -> tuple[NodePoolSettings, ...]:
    # CPU-only on purpose in the POC: the pool exercises the managed GPU experience
    # plumbing (tag, preview feature) without GPU quota.
    return (
        NodePoolSettings(
            name="gpunp",
            vm_size="Standard_D16s_v5",
            node_count=1,
            min_count=1,
            max_count=3,
            tags={"EnableManagedGPUExperience": "true"},
        ),
    )


def replaced_pools_hint(settings: EnvironmentSettings) -> str:
    """Said where a pool reference breaks: writing [[user_pools]] replaces the default pools."""
    if "user_pools" not in settings.model_fields_set:
        return ""
    defaults = ", ".join(pool.name for pool in _default_user_pools())
    return f" ([[user_pools]] in the file replaces the default pools ({defaults}); it does not add to them)"


class EnvironmentSettings(Settings):
    """Everything one environment (one cluster stack) is built from."""

    prefix: StrictStr
    location: StrictStr = "centralus"
    tags: dict[StrictStr, StrictStr] = Field(default_factory=lambda: dict(DEFAULT_TAGS))
    cluster: ClusterSettings = ClusterSettings()
    istio: IstioSettings = IstioSettings()
    system_pool: NodePoolSettings = Field(default_factory=_default_system_pool)
    user_pools: tuple[NodePoolSettings, ...] = Field(default_factory=_default_user_pools)
    preview_features: PreviewFeatureSettings = PreviewFeatureSettings()
    gateway_api: GatewayApiSettings = GatewayApiSettings()
    managed_prometheus: ManagedPrometheusSettings = ManagedPrometheusSettings()
    container_insights: ContainerInsightsSettings = ContainerInsightsSettings()
    workloads: WorkloadsSettings = WorkloadsSettings()
    backend: BackendSettings = LocalBackendSettings()

    @model_validator(mode="before")
    @classmethod
    def _system_pool_merges_over_its_default(cls, data: Any) -> Any:
        """`[system_pool]` with only a bigger vm_size keeps the default's zones and critical-add-ons
        taint. (`[[user_pools]]` is a list: writing it replaces the default pools, as documented.)"""
        if isinstance(data, dict) and isinstance(data.get("system_pool"), dict):
            default = _default_system_pool().model_dump(exclude_defaults=True)
            if data["system_pool"].get("auto_scaling") is False:
                # The default's autoscaling bounds mean nothing once autoscaling is off.
                default.pop("min_count", None)
                default.pop("max_count", None)
            return {**data, "system_pool": merge_over(default, data["system_pool"])}
        return data
