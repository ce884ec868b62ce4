"""The environment file as a whole: its prefix, location and tags, and the sections it composes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictStr, model_validator

from aks_platform.azure_facts import load_regions
from aks_platform.settings.azure_names import Tags
from aks_platform.settings.backend import BackendSettings, LocalBackendSettings
from aks_platform.settings.base import Settings, matching, merge_over, refuse
from aks_platform.settings.cluster import ClusterSettings
from aks_platform.settings.monitoring import ContainerInsightsSettings, ManagedPrometheusSettings
from aks_platform.settings.pools import NodePoolSettings, all_pools, default_system_pool, default_user_pools
from aks_platform.settings.production import MaintenanceSettings, ProtectionSettings, ResourceProviderSettings
from aks_platform.settings.versions import GatewayApiSettings, IstioSettings, PreviewFeatureSettings
from aks_platform.settings.workloads import WorkloadsSettings
from aks_platform.validation_types import Problem

# The AKS default tags that main.tf put on every taggable resource.
DEFAULT_TAGS: dict[str, str] = {"ManagedBy": "Terraform", "Purpose": "AI-Conformant-AKS"}

Prefix = Annotated[
    StrictStr,
    matching(
        r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
        "use lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    ),
]


def _known_region(value: str) -> str:
    regions = load_regions()
    if value not in regions:
        close = sorted(name for name in regions if name[:4] == value[:4])
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise refuse(
            f"not an Azure region in data/azure-regions.toml{hint} "
            "(use the programmatic name, such as eastus2)"
        )
    return value


Location = Annotated[
    StrictStr,
    matching(
        r"^[a-z][a-z0-9]*$",
        "use the Azure region's short name in lowercase without spaces, such as centralus",
    ),
    AfterValidator(_known_region),
]


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
    system_pool: NodePoolSettings = Field(default_factory=default_system_pool)
    "The system pool (one table), merged over the default."
    user_pools: tuple[NodePoolSettings, ...] = Field(default_factory=default_user_pools)
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
            default = default_system_pool().model_dump(exclude_defaults=True)
            if data["system_pool"].get("auto_scaling") is False:
                # The default's autoscaling bounds mean nothing once autoscaling is off.
                default.pop("min_count", None)
                default.pop("max_count", None)
            return {**data, "system_pool": merge_over(default, data["system_pool"])}
        return data


# Azure Resource Manager: at most 50 tag name/value pairs on a resource.
TAGS_PER_RESOURCE_MAX = 50


def tag_count_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    if len(settings.tags) > TAGS_PER_RESOURCE_MAX:
        yield Problem(
            "tags",
            f"{len(settings.tags)} tags",
            f"Azure allows at most {TAGS_PER_RESOURCE_MAX} tags on a resource",
        )
    for key, pool in all_pools(settings):
        merged = {**settings.tags, **pool.tags}
        if len(merged) > TAGS_PER_RESOURCE_MAX and len(settings.tags) <= TAGS_PER_RESOURCE_MAX:
            yield Problem(
                f"{key}.tags",
                f"{len(merged)} tags with the environment's",
                f"Azure allows at most {TAGS_PER_RESOURCE_MAX} tags on a resource",
            )
