"""Notices that hold an environment against data/aks-versions.toml: what AKS offers, and until when.

What can never deploy (refused before anything is written) is `version_problems`, with the
version settings in aks_platform/settings/versions.py.
`currency_notices` returns what is past or near its end of support on a given day (warned on
`--check`, `make synth` and `make test`; refused by `make deploy` unless ALLOW_RETIRED=1).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator

from aks_platform.settings import EnvironmentSettings
from aks_platform.settings.versions import TABLE_FILE
from aks_platform.versions import (
    LTS_PLAN,
    Fix,
    KubernetesMinor,
    Notice,
    VersionTable,
    load_table,
    parse_version,
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
