"""Typed, frozen settings for one environment of the AI-conformant AKS platform.

Every value the stacks use comes from here. The defaults reproduce the hand-written
main.tf this project replaces, so an environment file states only what differs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from aks_platform.field_rules import (
    Audiences,
    AuthorizedRanges,
    BlobName,
    ContainerImage,
    ContainerName,
    DiskEncryptionSetId,
    DrainTimeout,
    EntraIssuer,
    FeatureNames,
    GatewayClassName,
    GoDuration,
    Guid,
    HeaderName,
    Hostname,
    HostPath,
    IstioRevisions,
    KaitoInstanceType,
    KeyVaultName,
    KeyVaultObjectName,
    KubernetesVersion,
    LabelKey,
    LabelValue,
    Location,
    MaxPods,
    MaxSurge,
    Namespace,
    OsDiskSize,
    PoolName,
    Prefix,
    Quantity,
    ResourceGroupName,
    RotationInterval,
    SoakDuration,
    StorageAccountName,
    Tags,
    Taints,
    VmSize,
    Weight,
    WorkspaceCount,
    WorkspaceName,
    Zones,
)
from aks_platform.metrics_allowlist import Allowlist
from aks_platform.settings_base import Settings
from aks_platform.settings_production import (
    MaintenanceSettings,
    ProtectionSettings,
    ResourceProviderSettings,
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


def nested_model(annotation: Any) -> type[Settings] | None:
    """The settings model a field holds (directly, optional, in a tuple or a union), or None."""
    if isinstance(annotation, type) and issubclass(annotation, Settings):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = nested_model(argument)
        if found is not None:
            return found
    return None


class UpgradeSettings(Settings):
    """How AKS surges and drains nodes when it upgrades a pool."""

    max_surge: MaxSurge = "10%"
    'Extra nodes during an upgrade: a count ("1") or a percentage of the pool ("10%").'
    drain_timeout_in_minutes: DrainTimeout = 0
    (
        "Minutes to wait for a node's pods to be evicted, 1-1440; 0 (main.tf's) leaves AKS's default, 30. "
        "Once set on the system pool, write 30 rather than 0 to go back: azurerm replaces the "
        "whole cluster when the system pool's timeout goes from non-zero to 0."
    )
    node_soak_duration_in_minutes: SoakDuration = 0
    "Minutes to wait after draining a node before upgrading it and moving on, 0-30; 0 means none."


class NodePoolSettings(Settings):
    """One node pool: the system (default) pool or a user pool such as the GPU pool."""

    name: PoolName
    (
        "1-12 lowercase letters and digits, starting with a letter; pool and rotation names are unique in "
        "the cluster."
    )
    temporary_name_for_rotation: PoolName | None = None
    (
        "Name of the pool AKS creates when a change needs a rotation. Unset: `<name>temp`, the name cut "
        "to 8 characters so it fits (main.tf's names are kept)."
    )
    vm_size: VmSize
    (
        "An Azure VM size listed in data/vm-sizes.toml. A GPU size (one with GPUs there) needs a GPU "
        "taint and a user pool; a GPU taint needs a GPU size. The system pool needs at least 2 vCPUs and "
        "4 GiB and no B-series size."
    )
    node_count: StrictInt | None = None
    (
        "Nodes to start with. With autoscaling `min_count <= node_count <= max_count`; the autoscaler "
        "owns the count afterwards (Terraform ignores its changes)."
    )
    auto_scaling: StrictBool = True
    (
        "The cluster autoscaler; on needs `min_count` and `max_count`, off needs `node_count` and neither "
        "bound. On unless set, this app's choice (azurerm's default: off)."
    )
    min_count: StrictInt | None = None
    "Autoscaling lower bound, 0-1000 (at least 1 on the system pool)."
    max_count: StrictInt | None = None
    "Autoscaling upper bound, at most 1000."
    zones: Zones = ()
    (
        'Distinct values from "1", "2", "3"; only in a region with availability zones, and on a GPU '
        "size only those data/vm-size-zones.toml records for the region."
    )
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    (
        "Node labels: Kubernetes-valid keys, not under `kubernetes.azure.com/`, `kubernetes.io/` or "
        "`k8s.io/` (except `node.kubernetes.io/` and `kubelet.kubernetes.io/`)."
    )
    taints: Taints = ()
    (
        "`key=value:Effect` (or `key:Effect`) with NoSchedule, PreferNoSchedule or NoExecute, one per key "
        "and effect; the key a Kubernetes qualified name, the value a label value; user pools only."
    )
    gpu_driver: Literal["Install", "None"] | None = None
    'GPU sizes: "Install" lets AKS install the NVIDIA driver, "None" leaves it to you.'
    gpu_instance: Literal["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"] | None = None
    (
        "Multi-instance GPU profile (MIG1g-MIG7g) of a MIG-capable GPU size, as listed for it in "
        "data/vm-sizes.toml."
    )
    gpu_management: Literal["Managed", "Unmanaged"] | None = None
    (
        "AKS's managed GPU stack (driver, device plugin, DCGM exporter), "
        'gpuProfile.nvidia.managementMode; GPU sizes only; "Managed" needs the AKS-installed driver and, '
        "while the stack is a preview, `auto_scaling = false` (docs/gpu.md). Fixed when the pool is created."
    )
    mig_strategy: Literal["Single", "Mixed"] | None = None
    (
        "How the managed device plugin exposes MIG instances (gpuProfile.nvidia.migStrategy); needs "
        '`gpu_instance`, `gpu_management = "Managed"` and the preview API with '
        "ManagedGPUExperiencePreview."
    )
    tags: Tags = Field(default_factory=dict)
    "Tags of the pool's scale set, merged over the environment's tags; at most 50 per resource."
    only_critical_addons: StrictBool = False
    "System pool only: taint it CriticalAddonsOnly so that only system pods run there."
    upgrade: UpgradeSettings = UpgradeSettings()
    "How AKS surges and drains the pool's nodes during upgrades (a table)."
    max_pods: MaxPods | None = None
    (
        "Pods per node, 10-250, with room for at least 30 pods in the pool (max_pods times its smallest "
        "non-zero node count); unset takes AKS's default for the network plugin."
    )
    os_disk_type: Literal["Managed", "Ephemeral"] | None = None
    (
        '"Managed" or "Ephemeral"; Ephemeral needs the size in data/vm-sizes.toml and `os_disk_size_gb` '
        "within its cache or temp disk."
    )
    os_disk_size_gb: OsDiskSize | None = None
    "OS disk size, 30-2048 GB; unset takes AKS's default."
    host_encryption: StrictBool = False
    (
        "Encryption at host (temp disks, caches); needs the subscription feature "
        "Microsoft.Compute/EncryptionAtHost."
    )

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
    plugin_mode: Annotated[Literal["overlay"] | None, BeforeValidator(_unset_to_none)] = "overlay"
    (
        '"overlay" (needs plugin "azure"); defaults to unset with any other plugin; "none" unsets it. '
        "Overlay unless set, this app's choice (azurerm's default: unset)."
    )
    data_plane: Annotated[Literal["azure", "cilium"] | None, BeforeValidator(_unset_to_none)] = "cilium"
    (
        '"azure" or "cilium" (Cilium needs Azure CNI and policy "cilium"); unset with a plugin other than '
        "azure; \"none\" unsets it. Cilium unless set, this app's choice (azurerm's "
        "default: unset)."
    )
    policy: Annotated[Literal["azure", "calico", "cilium"] | None, BeforeValidator(_unset_to_none)] = "cilium"
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


class IstioSettings(Settings):
    """The Istio-based service mesh add-on and its ingress gateways."""

    enabled: StrictBool = True
    "The Istio-based service mesh add-on."
    revisions: IstioRevisions = ("asm-1-28",)
    (
        "`asm-1-NN`, one or two distinct (two only during a canary upgrade), each supporting the "
        "cluster's minor (data/aks-versions.toml)."
    )
    external_ingress_gateway: StrictBool = True
    "The add-on's external ingress gateway. On unless set (azurerm's default: off)."
    internal_ingress_gateway: StrictBool = False
    "The add-on's internal ingress gateway."


class PreviewFeatureSettings(Settings):
    """Subscription preview features registered before the cluster is created."""

    names: FeatureNames = ("ManagedGatewayAPIPreview", "ManagedGPUExperiencePreview")
    (
        "Microsoft.ContainerService preview features registered before the cluster; then the provider is "
        "registered again, as the AKS docs require."
    )
    wait: GoDuration = "60s"
    (
        'How long to wait after registering, a Go duration with units ("60s", "2m", "1m30s"); '
        "registration is asynchronous."
    )


class GatewayApiSettings(Settings):
    """The managed Gateway API CRDs, installed through the AKS API (azurerm has no attribute)."""

    enabled: StrictBool = True
    "The managed Gateway API CRDs, installed through the AKS API (azurerm has no attribute)."
    api_version: StrictStr = "2026-03-01"
    (
        "A managedClusters API version that data/aks-versions.toml lists with gateway_api = true; a "
        "preview one needs its feature in preview_features.names."
    )


class ManagedPrometheusSettings(Settings):
    """Azure Monitor managed Prometheus: workspace, collection pipeline and recording rules."""

    enabled: StrictBool = True
    "Azure Monitor managed Prometheus: workspace, collection pipeline and recording rules."
    labels_allowed: Allowlist = Field(default_factory=dict)
    (
        "Label keys kube-state-metrics may export, per resource: a table such as "
        '`{ pods = ["app", "team"], namespaces = ["team"] }` ("*" for all), sent as '
        "`namespaces=[team],pods=[app,team]`."
    )
    annotations_allowed: Allowlist = Field(default_factory=dict)
    "Annotation keys kube-state-metrics may export, per resource, in the same form as labels_allowed."
    ux_recording_rules: StrictBool = True
    (
        "The UX recording rule group Microsoft's onboarding deploys beside the node and Kubernetes "
        "groups (what the portal's Kubernetes views read); main.tf had none."
    )


class ContainerInsightsSettings(Settings):
    """Container Insights: the monitoring add-on, logging to a Log Analytics workspace of the stack."""

    enabled: StrictBool = False
    (
        "Container Insights, logging to a Log Analytics workspace `log-<prefix>-<location>` (4-63 "
        "characters) through the rule `msci-<prefix>-<location>` (1-64)."
    )
    retention_in_days: StrictInt = 30
    "Days the workspace keeps logs, 30-730."


class KaitoWorkspaceSettings(Settings):
    """A KAITO inference workspace, as the AKS add-on admits it (templates/kaito-workspace-preset.yaml
    for a preset, kaito-workspace-template.yaml for a pod template of one's own).

    The add-on runs KAITO with node auto-provisioning: KAITO creates nodes of `instance_type` for
    the workspace itself (labelled with the workspace's node label), not on the cluster's pools.
    """

    enabled: StrictBool = True
    "The KAITO inference workspace; needs cluster.kaito_enabled."
    namespace: Namespace = "smollm2"
    (
        "A DNS label; the namespace is created for the workspace, so not one Kubernetes or an add-on owns "
        "(default, kube-*, aks-istio-*, kaito-*, gatekeeper-system, kueue-system)."
    )
    name: WorkspaceName = "smollm2-workspace"
    "A DNS label of at most 56 characters."
    instance_type: KaitoInstanceType = "Standard_D16s_v5"
    (
        "The VM size KAITO provisions for the workspace (required by KAITO from v0.8): an N- or D-series "
        "size in data/vm-sizes.toml."
    )
    count: WorkspaceCount = 1
    "How many nodes of instance_type."
    runtime: Literal["template", "preset"] = "template"
    (
        '"template": main.tf\'s own pod template (the CPU POC); "preset": KAITO\'s vLLM preset from the '
        "Hugging Face id, which needs a GPU size."
    )
    model: StrictStr = "HuggingFaceTB/SmolLM2-1.7B-Instruct"
    "A Hugging Face model id `org/name`."
    image: ContainerImage = "mcr.microsoft.com/aks/kaito/kaito-base:0.0.8"
    "Template runtime: the serving container image."
    torch_dtype: Literal["float32", "float16", "bfloat16"] = "float32"
    'Template runtime: "float32", "float16" or "bfloat16".'
    cpu_request: Quantity = "4"
    "Template runtime: CPUs the pod requests; must fit instance_type."
    memory_request: Quantity = "16Gi"
    "Template runtime: memory the pod requests (a Kubernetes quantity); must fit instance_type."


class GatewayTlsSettings(Settings):
    """HTTPS on the Gateway with a certificate kept in Azure Key Vault (docs/endpoint-security.md).

    The cluster's Key Vault secrets provider (Secrets Store CSI driver) syncs the certificate into a
    kubernetes.io/tls Secret beside the Gateway, authenticating with workload identity as `client_id`.
    """

    enabled: StrictBool = True
    "An HTTPS listener on 443 with the Key Vault certificate; HTTP on 80 then only redirects to HTTPS."
    hostname: Hostname
    "The name callers use (the certificate's subject or SAN), such as inference.example.com."
    key_vault_name: KeyVaultName
    "The existing Key Vault that holds the certificate."
    certificate_name: KeyVaultObjectName
    "The Key Vault certificate object (with its private key); its latest version is synced and rotated."
    tenant_id: Guid
    "The Key Vault's tenant (a GUID)."
    client_id: Guid
    (
        "Client id of the user-assigned identity that may read the certificate (Key Vault Secrets User), "
        "federated with the service account `<gateway_namespace>:inference-tls-sync`."
    )


class GatewayAuthenticationSettings(Settings):
    """Entra ID access tokens checked at the gateway (Istio RequestAuthentication + AuthorizationPolicy)."""

    enabled: StrictBool = True
    "Only callers with a valid Entra ID token for `audiences` reach the model; others get 403."
    issuer: EntraIssuer
    (
        "The token issuer: https://login.microsoftonline.com/<tenant>/v2.0 (v2.0 tokens) or "
        "https://sts.windows.net/<tenant>/ (v1.0 tokens, what `az account get-access-token` returns by "
        "default)."
    )
    audiences: Audiences
    "The API's application id URI or client id (the token's aud), one or more."
    allowed_groups: tuple[Guid, ...] = ()
    "Optional: only members of these Entra ID groups (object ids, the token's groups claim)."
    allowed_app_ids: tuple[Guid, ...] = ()
    "Optional: only these client applications (the token's azp claim in v2.0, appid in v1.0)."


class InferenceRoutingSettings(Settings):
    """A Gateway on the Istio gateway class and an HTTPRoute with a weighted split and a header match."""

    enabled: StrictBool = True
    "A Gateway and an HTTPRoute to the workspace; needs the workspace, Istio and the Gateway API."
    gateway_class: GatewayClassName = "istio"
    "The Gateway's class, a DNS subdomain (the Istio add-on's is \"istio\")."
    gateway_namespace: Namespace = "inference-gateway"
    (
        "Namespace of the Gateway, created for it; Istio runs the gateway's pods there. Not a namespace "
        "with a Kueue LocalQueue (the workspace's or the batch namespace), where Kueue would queue them, "
        "nor one Kubernetes or an add-on owns."
    )
    canary_header: HeaderName = "x-canary"
    "Requests with this header go to the canary backend; the rest are split by weight."
    stable_weight: Weight = 90
    "Weight of the stable backend, 0-1000 (not both weights 0)."
    canary_weight: Weight = 10
    "Weight of the canary backend, 0-1000."
    exposure: Literal["internal", "public"] = "internal"
    (
        '"internal": the gateway gets an internal Azure load balancer (a private IP in the cluster\'s '
        'network); "public": a public IP, only with `tls` and `authentication` unless '
        "`insecure_public_http` says otherwise."
    )
    insecure_public_http: StrictBool = False
    (
        "A public gateway without TLS or authentication, said explicitly (a throwaway dev cluster only); "
        "warned on every check."
    )
    tls: GatewayTlsSettings | None = None
    "HTTPS with a certificate from Key Vault (a table); unset serves plain HTTP."
    authentication: GatewayAuthenticationSettings | None = None
    "Entra ID tokens required at the gateway (a table); unset lets every caller through."


class GangSchedulingSettings(Settings):
    """Kueue (pinned in data/helm-charts.toml) and queues whose quotas are the capacity they describe.

    The KAITO workspace's namespace gets a LocalQueue named "default", so Kueue labels the
    workload KAITO creates there (LocalQueueDefaulting); `batch_pool` gets a queue for batch jobs.
    """

    enabled: StrictBool = True
    "Kueue and its queues; quotas are derived from the pools, not set."
    batch_pool: StrictStr = "gpunp"
    (
        "A user pool whose size is in data/vm-sizes.toml, for batch jobs (its own ClusterQueue and "
        'LocalQueue); "none" leaves it out.'
    )
    batch_namespace: Namespace = "batch"
    "Namespace of the batch LocalQueue (a DNS label), created for it: not default, kube-* or an add-on's."


class DraSettings(Settings):
    """The NVIDIA DRA driver (pinned in data/helm-charts.toml) on a GPU pool without the device plugin.

    AKS runs NVIDIA's device plugin where it installs the driver; the DRA driver refuses to run
    beside it, so DRA needs a pool with gpu_driver = "None" and a driver you install yourself.
    """

    enabled: StrictBool = False
    'The NVIDIA DRA driver; only on a GPU pool with gpu_driver "None" and no managed GPU stack.'
    node_pool: StrictStr = "gpunp"
    "The user pool whose GPUs the driver publishes."
    driver_root: HostPath = "/run/nvidia/driver"
    'Host path of the NVIDIA driver ("/run/nvidia/driver" with NVIDIA\'s GPU Operator).'


class WorkloadsSettings(Settings):
    """The second stack per environment: what runs in the cluster to make it AI-conformant."""

    enabled: StrictBool = True
    "`false` leaves out the whole workloads stack."
    kaito_workspace: KaitoWorkspaceSettings = KaitoWorkspaceSettings()
    inference_routing: InferenceRoutingSettings = InferenceRoutingSettings()
    gang_scheduling: GangSchedulingSettings = GangSchedulingSettings()
    dra: DraSettings = DraSettings()


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

    prefix: Prefix
    "Lowercase letters, digits and `-`; the names derived from it must fit Azure's limits."
    location: Location = "centralus"
    "An Azure region's programmatic name listed in data/azure-regions.toml."
    tags: Tags = Field(default_factory=lambda: dict(DEFAULT_TAGS))
    (
        "Tags on every taggable resource: keys 1-512 characters without `< > % & \\ ? /`, values at most "
        "256; at most 50 per resource, pool tags included."
    )
    cluster: ClusterSettings = ClusterSettings()
    istio: IstioSettings = IstioSettings()
    system_pool: NodePoolSettings = Field(default_factory=_default_system_pool)
    "The system pool (one table), merged over the default."
    user_pools: tuple[NodePoolSettings, ...] = Field(default_factory=_default_user_pools)
    "The user pools (`[[user_pools]]`, zero or more); writing any replaces the default pool."
    preview_features: PreviewFeatureSettings = PreviewFeatureSettings()
    gateway_api: GatewayApiSettings = GatewayApiSettings()
    managed_prometheus: ManagedPrometheusSettings = ManagedPrometheusSettings()
    container_insights: ContainerInsightsSettings = ContainerInsightsSettings()
    workloads: WorkloadsSettings = WorkloadsSettings()
    backend: BackendSettings = LocalBackendSettings()
    'Where Terraform keeps state: `type = "local"` or `"azurerm"` (docs/deploying.md, docs/production.md).'
    # Production (docs/production.md): protection, maintenance windows, provider registration.
    protection: ProtectionSettings = ProtectionSettings()
    "prevent_destroy and CanNotDelete locks on the cluster and the workspaces (a table)."
    maintenance: MaintenanceSettings = MaintenanceSettings()
    "AKS planned maintenance windows for automatic upgrades (a table)."
    resource_providers: ResourceProviderSettings = ResourceProviderSettings()
    "Registering the resource providers and subscription features the cluster stack needs (a table)."

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
