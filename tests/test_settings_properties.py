"""Property-based tests: any valid settings synthesize, and breaking one constraint is caught."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_platform.environments import check_document
from aks_platform.settings import EnvironmentSettings
from aks_platform.validation import check_environment
from aks_platform.versions import load_table, version_key

Document = dict[str, Any]

POOL_NAMES = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
TAG_KEYS = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,20}", fullmatch=True)
TAG_VALUES = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), max_size=30)


@st.composite
def scaling(draw: st.DrawFn, *, floor: int) -> Document:
    if draw(st.booleans()):
        low = draw(st.integers(floor, 20))
        high = draw(st.integers(low, 1000))
        fields: Document = {"min_count": low, "max_count": high}
        if draw(st.booleans()):
            fields["node_count"] = draw(st.integers(low, high))
        return fields
    return {"auto_scaling": False, "node_count": draw(st.integers(max(floor, 1), 1000))}


@st.composite
def valid_documents(draw: st.DrawFn) -> Document:
    """An environment file's content that every rule accepts."""
    table = load_table()
    # Minors some Istio revision supports (the documents keep the mesh on; 1.37 has none yet).
    revisions = table.istio.values()
    meshed = [
        name for name in table.kubernetes if any(row.supports(version_key(name)[:2]) for row in revisions)
    ]
    minor_name = draw(st.sampled_from(sorted(meshed, key=version_key)))
    minor = table.kubernetes[minor_name]
    cluster_minor = version_key(minor_name)[:2]
    revision = draw(
        st.sampled_from(sorted(name for name, row in table.istio.items() if row.supports(cluster_minor)))
    )
    # A minor alias, or a patch the table lists.
    version = draw(st.sampled_from([minor_name, *sorted(minor.patches)]))
    names = draw(st.lists(POOL_NAMES, min_size=1, max_size=4, unique=True))
    system_name, *user_names = names
    user_pools = []
    for name in user_names:
        gpu = draw(st.booleans())
        pool: Document = {
            "name": name,
            "vm_size": "Standard_NC24ads_A100_v4" if gpu else "Standard_D8s_v5",
            # No size is recorded as zonal (data/vm-size-zones.toml): zones on a GPU pool are refused.
            "zones": [] if gpu else draw(st.lists(st.sampled_from(["1", "2", "3"]), unique=True)),
            **draw(scaling(floor=0)),
        }
        if gpu:
            pool["taints"] = ["sku=gpu:NoSchedule"]
            pool["gpu_driver"] = "Install"
        user_pools.append(pool)
    system_pool: Document = {"name": system_name, "vm_size": "Standard_D4ds_v5", **draw(scaling(floor=1))}
    if user_pools and not any(
        "taints" not in pool and (pool.get("min_count") or pool.get("node_count", 0)) >= 1
        for pool in user_pools
    ):
        # Kueue and the gateway need an untainted node at all times (settings/workloads.py).
        system_pool["only_critical_addons"] = False
    if user_pools:
        workloads: Document = {"gang_scheduling": {"batch_pool": user_pools[0]["name"]}}
        if draw(st.booleans()):
            workloads["kaito_workspace"] = {"instance_type": "Standard_NC24ads_A100_v4", "runtime": "preset"}
    else:
        workloads = {"enabled": False}
    return {
        "workloads": workloads,
        "prefix": draw(st.from_regex(r"[a-z][a-z0-9-]{0,18}[a-z0-9]", fullmatch=True)),
        "location": draw(st.sampled_from(["centralus", "eastus2", "westeurope", "swedencentral"])),
        # Azure tag names are case-insensitive: "Owner" and "owner" together are refused.
        "tags": draw(
            st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=4).filter(
                lambda tags: len({key.lower() for key in tags}) == len(tags)
            )
        ),
        "cluster": {"kubernetes_version": version},
        "istio": {"revisions": [revision]},
        "system_pool": system_pool,
        "user_pools": user_pools,
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=valid_documents())
def test_any_valid_settings_synthesize(document: Document) -> None:
    from cdktf import Testing

    from aks_platform.stacks import build_stacks

    settings_ = EnvironmentSettings.model_validate(document)
    assert check_environment("prop", settings_) == []
    stacks = build_stacks(Testing.app(), {"prop": settings_})
    stack = json.loads(Testing.synth(stacks["prop"].cluster))
    cluster = stack["resource"]["azurerm_kubernetes_cluster"]["aks"]
    assert cluster["name"] == f"{document['prefix']}-{document['location']}"
    assert cluster["kubernetes_version"] == document["cluster"]["kubernetes_version"]
    assert cluster["default_node_pool"]["name"] == document["system_pool"]["name"]
    pools = stack["resource"].get("azurerm_kubernetes_cluster_node_pool", {})
    assert sorted(pool["name"] for pool in pools.values()) == sorted(
        pool["name"] for pool in document["user_pools"]
    )


def _set(path: str, value: Any) -> Callable[[Document], Document]:
    """A mutation that sets one key (dotted path; digits index lists)."""

    def apply(document: Document) -> Document:
        copy = json.loads(json.dumps(document))
        target: Any = copy
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        target[last] = value
        return copy

    return apply


def _then(*mutations: Callable[[Document], Document]) -> Callable[[Document], Document]:
    def apply(document: Document) -> Document:
        for mutate in mutations:
            document = mutate(document)
        return document

    return apply


BREAKERS: dict[str, tuple[Callable[[Document], Document], str]] = {
    "version below floor": (_set("cluster.kubernetes_version", "1.33"), "cluster.kubernetes_version"),
    "version malformed": (_set("cluster.kubernetes_version", "latest"), "cluster.kubernetes_version"),
    "istio revision unknown": (_set("istio.revisions", ["asm-1-12"]), "istio.revisions[0]"),
    "istio revisions duplicated": (_set("istio.revisions", ["asm-1-28", "asm-1-28"]), "istio.revisions"),
    "system pool name upper": (_set("system_pool.name", "System"), "system_pool.name"),
    "system pool zone": (_set("system_pool.zones", ["0"]), "system_pool.zones"),
    "system pool vm size": (_set("system_pool.vm_size", "D4"), "system_pool.vm_size"),
    "location with space": (_set("location", "east us"), "location"),
    "prefix too long": (_set("prefix", "p" * 50), "prefix"),
    "oidc off": (_set("cluster.oidc_issuer_enabled", False), "cluster.kaito_enabled"),
    "tag key slash": (_set("tags", {"a/b": "c"}), "tags"),
    "tag value long": (_set("tags", {"a": "v" * 300}), "tags.a"),
    "patch never released": (_set("cluster.kubernetes_version", "1.34.99"), "cluster.kubernetes_version"),
    "region unknown": (_set("location", "westeurope2"), "location"),
    "zones without zones": (
        _then(_set("location", "westus"), _set("system_pool.zones", ["1"])),
        "system_pool.zones",
    ),
    "wait not a duration": (_set("preview_features.wait", "forever"), "preview_features.wait"),
    "gateway api without property": (
        _set("gateway_api.api_version", "2024-02-01"),
        "gateway_api.api_version",
    ),
    "reserved label": (_set("system_pool.labels", {"kubernetes.azure.com/mode": "x"}), "system_pool.labels"),
    "too many tags": (_set("tags", {f"t{index}": "v" for index in range(51)}), "tags"),
}


@settings(max_examples=60, deadline=None)
@given(document=valid_documents(), breaker=st.sampled_from(sorted(BREAKERS)))
def test_breaking_one_constraint_is_caught(document: Document, breaker: str) -> None:
    mutate, key = BREAKERS[breaker]
    _, problems = check_document("prop", mutate(document))
    assert key in {problem.key for problem in problems}, (breaker, problems)
