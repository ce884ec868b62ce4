"""Rules that hold an environment against data/aks-versions.toml: what AKS offers, and until when.

`version_problems` returns what can never deploy (refused before anything is written).
`currency_notices` returns what is past or near its end of support on a given day (warned on
`--check`, `make synth` and `make test`; refused by `make deploy` unless ALLOW_RETIRED=1).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator

from aks_platform.settings import EnvironmentSettings
from aks_platform.settings.gpus import agent_pool_api_version, nvidia_properties
from aks_platform.validation_types import Problem
from aks_platform.versions import (
    LTS_PLAN,
    Fix,
    KubernetesMinor,
    Notice,
    VersionTable,
    load_table,
    parse_version,
    version_key,
)

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


def currency_notices(
    settings: EnvironmentSettings, today: datetime.date, table: VersionTable | None = None
) -> list[Notice]:
    """What is past (retired) or within the warning window of its end of support on `today`, and
    what rests on an unconfirmed fact (warned, never retired)."""
    table = table or load_table()
    notices: list[Notice] = []
    recommended = table.recommended(today)
    if recommended is not None:
        pair: tuple[Fix, ...] = (
            (("cluster.kubernetes_version", recommended[0]), ("istio.revisions", [recommended[1]])),
        )
        advice = ""
    else:
        pair = ()
        advice = f"no supported pair is left in {TABLE_FILE}: run make refresh-versions (docs/versions.md)"
    soon = datetime.timedelta(days=table.warn_days_before)
    cluster = settings.cluster
    version = cluster.kubernetes_version
    minor = table.minor(version)
    if minor is not None:
        long_term = cluster.support_plan == LTS_PLAN
        notices.extend(_minor_notices(minor, version, long_term, today, soon, pair, advice))
        notice = _patch_notice(minor, version, table, long_term, today, pair, advice)
        if notice is not None:
            notices.append(notice)
    if settings.istio.enabled:
        for index, revision in enumerate(settings.istio.revisions):
            row = table.istio.get(revision)
            if row is None or row.end_of_life is None:
                continue
            key = f"istio.revisions[{index}]"
            if row.end_of_life < today:
                message = (
                    f"reached end of life on {row.end_of_life}; AKS no longer installs it on new clusters"
                )
                notices.append(Notice(key, revision, message, pair, True, advice))
            elif row.end_of_life - soon <= today:
                notices.append(
                    Notice(key, revision, f"reaches end of life on {row.end_of_life}", pair, False, advice)
                )
    return [_without_idle_fixes(notice, settings) for notice in notices]


NOTHING_NEWER = (
    f"nothing newer is in {TABLE_FILE} yet: run make refresh-versions once AKS announces it "
    "(docs/versions.md)"
)


def _current(settings: EnvironmentSettings, key: str) -> object:
    value: object = settings
    for part in key.split("."):
        value = getattr(value, part)
    return list(value) if isinstance(value, tuple) else value


def _without_idle_fixes(notice: Notice, settings: EnvironmentSettings) -> Notice:
    """Drops a proposed fix that would change nothing (the environment already has the newest
    pair); with none left, the notice says that nothing newer is known yet."""
    fixes = tuple(
        fix for fix in notice.fixes if any(_current(settings, key) != value for key, value in fix)
    )
    if fixes == notice.fixes:
        return notice
    advice = notice.advice or ("" if fixes else NOTHING_NEWER)
    return dataclasses.replace(notice, fixes=fixes, advice=advice)


def _in_support(minor: KubernetesMinor, long_term: bool, today: datetime.date) -> bool:
    """Whether a new cluster can still be created on the minor on `today` (so its alias is a fix)."""
    end = minor.lts_end if long_term and minor.lts_end is not None else minor.end_of_standard_support
    return minor.ga_confirmed and (end is None or end >= today)


def _patch_notice(
    minor: KubernetesMinor,
    version: str,
    table: VersionTable,
    long_term: bool,
    today: datetime.date,
    pair: tuple[Fix, ...],
    advice: str,
) -> Notice | None:
    """A pinned patch that AKS no longer offers (as refreshed) or most likely removed (by date)."""
    parsed = parse_version(version)
    if parsed is None or parsed[2] is None or version not in minor.patches:
        return None
    # The minor's alias lets AKS pick its newest patch; offered only while the minor itself can
    # still be created, else it would be refused in turn.
    alias: tuple[Fix, ...] = (
        ((("cluster.kubernetes_version", minor.name), ("cluster.automatic_upgrade_channel", "patch")),)
        if _in_support(minor, long_term, today)
        else ()
    )
    fixes = alias + pair
    if minor.offered is not None:
        if version in minor.offered:
            return None
        return Notice(
            "cluster.kubernetes_version",
            version,
            f"az aks get-versions did not offer it in {minor.offered_in} on {minor.offered_on} (offered: "
            f"{', '.join(minor.offered) or 'none'})",
            fixes,
            True,
            advice,
        )
    superseded = minor.superseded_on(version)
    if superseded is None:
        return None
    gone = superseded + datetime.timedelta(days=table.patch_retention_days)
    if gone >= today:
        return None
    return Notice(
        "cluster.kubernetes_version",
        version,
        f"a newer {minor.name} patch shipped on {superseded}; AKS removes superseded patches after about "
        f"{table.patch_retention_days} days, so {version} is most likely not creatable since about {gone}",
        fixes,
        True,
        advice,
    )


def _minor_notices(
    minor: KubernetesMinor,
    version: str,
    long_term: bool,
    today: datetime.date,
    soon: datetime.timedelta,
    fixes: tuple[Fix, ...],
    advice: str,
) -> Iterator[Notice]:
    key = "cluster.kubernetes_version"

    name = minor.name

    def out(retired: bool) -> tuple[tuple[Fix, ...], bool, str]:
        return fixes, retired, advice

    if not minor.ga_confirmed:
        # Explicit rule for an unconfirmed GA: warned on every run, never retired (the deploy gate
        # lets it through and Azure has the last word), and never proposed as a fix.
        yield Notice(
            key,
            version,
            f"AKS's GA of Kubernetes {minor.name} is not confirmed in {TABLE_FILE} ({minor.source}); "
            "the deploy gate lets it through and Azure refuses it if it is not GA in the region",
            fixes,
            False,
            advice,
        )
    standard = minor.end_of_standard_support
    if long_term and minor.lts_end is not None:
        if minor.lts_end < today:
            yield Notice(key, version, f"long-term support for {name} ended on {minor.lts_end}", *out(True))
        elif minor.lts_end - soon <= today:
            yield Notice(key, version, f"long-term support for {name} ends on {minor.lts_end}", *out(False))
        return
    if standard is None:
        return
    lts = (
        f'; until {minor.lts_end} only with sku_tier = "Premium" and support_plan = "{LTS_PLAN}"'
        if minor.lts_end is not None
        else ""
    )
    if standard < today:
        yield Notice(key, version, f"Kubernetes {name} left standard support on {standard}{lts}", *out(True))
    elif standard - soon <= today:
        leaves = f"Kubernetes {name} leaves standard support on {standard}{lts}"
        yield Notice(key, version, leaves, *out(False))
