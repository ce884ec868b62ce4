"""What the environment pins and enables by version: the Kubernetes version's form and floor, the
Istio add-on's revisions, the subscription preview features and the managed Gateway API.

`version_problems` holds the environment against data/aks-versions.toml and refuses what AKS does
not offer at all; how current an offered version is (the notices and the deploy gate) is
aks_platform.currency's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, StrictBool, StrictStr

from aks_platform.settings.base import Settings, at_most, matching, refuse, without_duplicates
from aks_platform.settings.gpus import agent_pool_api_version, nvidia_properties
from aks_platform.validation_types import Problem
from aks_platform.versions import LTS_PLAN, VersionTable, load_table, parse_version, version_key

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings

# The AI conformance program starts at Kubernetes 1.34 (the CNCF checklists exist for 1.34 on).
MIN_KUBERNETES = (1, 34)
VERSION = re.compile(r"^(?P<major>0|[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$")


def _kubernetes_version(value: str) -> str:
    found = VERSION.match(value)
    if found is None:
        raise refuse("use MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.34 or 1.34.2")
    if (int(found["major"]), int(found["minor"])) < MIN_KUBERNETES:
        raise refuse(f"AI conformance needs Kubernetes {MIN_KUBERNETES[0]}.{MIN_KUBERNETES[1]} or newer")
    return value


KubernetesVersion = Annotated[StrictStr, AfterValidator(_kubernetes_version)]

# Istio add-on revisions: asm-1-NN, one that data/aks-versions.toml knows; two at most, and two
# only while a canary upgrade runs.
ISTIO_REVISION = re.compile(r"^asm-1-(?P<minor>[0-9]{2})$")
MAX_ISTIO_REVISIONS = 2


def _istio_revision(value: str) -> str:
    if not ISTIO_REVISION.match(value):
        raise refuse("use the form asm-1-NN, such as asm-1-30")
    known = sorted(load_table().istio)
    if value not in known:
        raise refuse(f"unknown revision; known: {', '.join(known)}")
    return value


# A canary upgrade of the Istio add-on goes to a revision one or two minors newer
# (istio-upgrade.md: "you can upgrade to n+1 or n+2"); a pair further apart cannot be one.
MAX_CANARY_GAP = 2


def _canary_pair(values: tuple[str, ...]) -> tuple[str, ...]:
    minors = sorted(int(found["minor"]) for value in values if (found := ISTIO_REVISION.match(value)))
    if len(minors) == 2 and minors[1] - minors[0] > MAX_CANARY_GAP:
        raise refuse(
            f"a canary upgrade goes at most {MAX_CANARY_GAP} revisions ahead (AKS allows n+1 or n+2), and "
            f"asm-1-{minors[0]} to asm-1-{minors[1]} is {minors[1] - minors[0]}: upgrade in steps"
        )
    return values


IstioRevisions = Annotated[
    tuple[Annotated[StrictStr, AfterValidator(_istio_revision)], ...],
    at_most(MAX_ISTIO_REVISIONS, "revisions (two only during a canary upgrade)"),
    without_duplicates("revisions"),
    AfterValidator(_canary_pair),
]


# time_sleep parses durations with Go's time.ParseDuration: numbers with units, such as 60s or 1m30s.
GoDuration = Annotated[
    StrictStr,
    matching(
        r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
        "use a duration with units that time_sleep accepts, such as 60s, 2m or 1m30s",
    ),
]


FeatureNames = Annotated[tuple[StrictStr, ...], without_duplicates("features")]


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


def istio_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    istio = settings.istio
    if not istio.enabled:
        return
    # Each revision's form, that it is known, and how many are rules on the field (IstioRevisions).
    if not istio.revisions:
        yield Problem("istio.revisions", [], 'list at least one revision, such as ["asm-1-30"]')


TABLE_FILE = "data/aks-versions.toml"
# Channels that change the cluster's Kubernetes version by themselves.
VERSION_CHANGING_CHANNELS = ("patch", "rapid", "stable")


def _unregistered_features(
    features: tuple[str, ...], settings: EnvironmentSettings, who: str, fix: str = ""
) -> Iterator[Problem]:
    """A problem when a preview API version's features are not all registered; `who` says what
    uses that API version, `fix` adds an alternative to registering them."""
    missing = [name for name in features if name not in settings.preview_features.names]
    if missing:
        yield Problem(
            "preview_features.names",
            list(settings.preview_features.names),
            f"{who}needs {', '.join(missing)} registered: add it{fix}",
        )


def version_problems(settings: EnvironmentSettings, table: VersionTable | None = None) -> Iterator[Problem]:
    """Kubernetes versions, Istio revisions and API versions that AKS does not offer at all."""
    table = table or load_table()
    cluster = settings.cluster
    parsed = parse_version(cluster.kubernetes_version)
    minor = table.minor(cluster.kubernetes_version) if parsed else None
    key = "cluster.kubernetes_version"
    if parsed is not None and minor is None and (parsed[0], parsed[1]) >= (1, 34):
        known = ", ".join(sorted(table.kubernetes, key=version_key))
        yield Problem(
            key,
            cluster.kubernetes_version,
            f"AKS offers no generally available Kubernetes {parsed[0]}.{parsed[1]} in {TABLE_FILE} "
            f"(as of {table.as_of}); use one of {known}",
        )
    if (
        parsed is not None
        and minor is not None
        and parsed[2] is not None
        and cluster.kubernetes_version not in minor.patches
    ):
        listed = sorted(minor.patches, key=version_key)
        yield Problem(
            key,
            cluster.kubernetes_version,
            f"no such patch release: {minor.name} has {', '.join(listed)} in {TABLE_FILE} (as of "
            f'{table.as_of}); write the minor alias "{minor.name}", or run make refresh-versions '
            "if AKS lists a newer patch",
        )
    if (
        parsed is not None
        and parsed[2] is not None
        and cluster.automatic_upgrade_channel in (VERSION_CHANGING_CHANNELS)
    ):
        alias = f"{parsed[0]}.{parsed[1]}"
        yield Problem(
            key,
            cluster.kubernetes_version,
            f'with automatic_upgrade_channel = "{cluster.automatic_upgrade_channel}" AKS moves the patch '
            f'itself and the next plan would try to downgrade it: write the minor alias "{alias}"',
        )
    if cluster.support_plan == LTS_PLAN:
        if cluster.sku_tier != "Premium":
            yield Problem(
                "cluster.support_plan",
                cluster.support_plan,
                'long-term support needs sku_tier = "Premium"',
            )
        if minor is not None and minor.lts_end is None:
            yield Problem(
                "cluster.support_plan",
                cluster.support_plan,
                f"Kubernetes {minor.name} has no long-term support in {TABLE_FILE}",
            )

    if settings.istio.enabled and parsed is not None:
        cluster_minor = (parsed[0], parsed[1])
        for index, revision in enumerate(settings.istio.revisions):
            row = table.istio.get(revision)
            if row is None:
                continue  # validation reports the unknown revision with the known ones
            if not row.supports(cluster_minor):
                low, high = row.min_kubernetes, row.max_kubernetes
                yield Problem(
                    f"istio.revisions[{index}]",
                    revision,
                    f"{revision} supports Kubernetes {low[0]}.{low[1]}-{high[0]}.{high[1]}, not "
                    f"{cluster_minor[0]}.{cluster_minor[1]} (cluster.kubernetes_version)",
                )

    for index, pool in enumerate(settings.user_pools):
        properties = nvidia_properties(pool)
        if not properties:
            continue
        api = agent_pool_api_version(table, *properties)
        if api is None:
            continue  # aks_platform.settings.gpus says which versions have the field and which azapi embeds
        yield from _unregistered_features(
            api.needs_features,
            settings,
            f"user_pools[{index}] needs agentPools API {api.name} (a preview) for "
            f"{', '.join(properties)}, and that ",
        )

    gateway = settings.gateway_api
    known = ", ".join(name for name, row in sorted(table.api_versions.items()) if row.gateway_api)
    if gateway.enabled:
        api = table.api_versions.get(gateway.api_version)
        if api is None:
            yield Problem(
                "gateway_api.api_version",
                gateway.api_version,
                f"unknown managedClusters API version; versions with ingressProfile.gatewayAPI: {known}",
            )
        elif not api.gateway_api:
            yield Problem(
                "gateway_api.api_version",
                gateway.api_version,
                f"this API version has no properties.ingressProfile.gatewayAPI ({api.source}); use one of "
                f"{known}",
            )
        else:
            yield from _unregistered_features(
                api.needs_features,
                settings,
                f"gateway_api.api_version {gateway.api_version} is a preview and ",
                ", or use a GA API version",
            )
