"""Typed, frozen settings for one environment of the AI-conformant AKS platform, one module per
section of the environment file.

Every value the stacks use comes from here. The defaults reproduce the hand-written main.tf this
project replaces, so an environment file states only what differs. Each section's module holds
its models, the rules on one value (on the fields) and the rules across its values; the shared
base and validator factories are aks_platform.settings.base. Reading a file and reporting its
problems is aks_platform.environments; aks_platform.validation runs every section's rules.

The names below are re-exported so that `from aks_platform.settings import X` keeps working.
"""

from __future__ import annotations

from aks_platform.settings.backend import AzurermBackendSettings, BackendSettings, LocalBackendSettings
from aks_platform.settings.base import UNSET, Settings, merge_over, nested_model
from aks_platform.settings.cluster import (
    ClusterSettings,
    EntraIdRbacSettings,
    KeyVaultSecretsProviderSettings,
    NetworkSettings,
    WorkloadAutoscalerSettings,
)
from aks_platform.settings.environment import DEFAULT_TAGS, EnvironmentSettings
from aks_platform.settings.monitoring import ContainerInsightsSettings, ManagedPrometheusSettings
from aks_platform.settings.pools import (
    POOL_NAME_MAX,
    ROTATION_SUFFIX,
    NodePoolSettings,
    UpgradeSettings,
    default_rotation_name,
    replaced_pools_hint,
)
from aks_platform.settings.production import (
    MaintenanceSettings,
    ProtectionSettings,
    ResourceProviderSettings,
    ScheduledWindowSettings,
)
from aks_platform.settings.routing import (
    GatewayAuthenticationSettings,
    GatewayTlsSettings,
    InferenceRoutingSettings,
)
from aks_platform.settings.versions import GatewayApiSettings, IstioSettings, PreviewFeatureSettings
from aks_platform.settings.workloads import (
    DraSettings,
    GangSchedulingSettings,
    KaitoWorkspaceSettings,
    WorkloadsSettings,
)

__all__ = [
    "DEFAULT_TAGS",
    "POOL_NAME_MAX",
    "ROTATION_SUFFIX",
    "UNSET",
    "AzurermBackendSettings",
    "BackendSettings",
    "ClusterSettings",
    "ContainerInsightsSettings",
    "DraSettings",
    "EntraIdRbacSettings",
    "EnvironmentSettings",
    "GangSchedulingSettings",
    "GatewayApiSettings",
    "GatewayAuthenticationSettings",
    "GatewayTlsSettings",
    "InferenceRoutingSettings",
    "IstioSettings",
    "KaitoWorkspaceSettings",
    "KeyVaultSecretsProviderSettings",
    "LocalBackendSettings",
    "MaintenanceSettings",
    "ManagedPrometheusSettings",
    "NetworkSettings",
    "NodePoolSettings",
    "PreviewFeatureSettings",
    "ProtectionSettings",
    "ResourceProviderSettings",
    "ScheduledWindowSettings",
    "Settings",
    "UpgradeSettings",
    "WorkloadAutoscalerSettings",
    "WorkloadsSettings",
    "default_rotation_name",
    "merge_over",
    "nested_model",
    "replaced_pools_hint",
]
