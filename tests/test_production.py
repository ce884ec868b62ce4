"""The way to production: prod's remote locked state, protection of the cluster and its
workspaces, and AKS maintenance windows (docs/production.md)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Stack, environment_settings, resources, synth_settings

from aks_platform.environments import check_document
from aks_platform.settings.production import maintenance_rules
from aks_platform.tools import preflight

PROD_FILE = ROOT / "environments" / "prod.toml"
PROTECTED = {
    "azurerm_kubernetes_cluster": "aks",
    "azurerm_monitor_workspace": "monitor_workspace",
    "azurerm_log_analytics_workspace": "log_analytics_workspace",
}
# Not the cluster: Azure's locks are inherited by child resources ("When you apply a lock at a
# parent scope, all child resources inherit the same lock", Management Locks REST reference), and
# a lock on the cluster would refuse deleting its agent pools, KAITO's GPU pools included.
LOCKED = {"azurerm_monitor_workspace", "azurerm_log_analytics_workspace"}


# --- 1. state ---------------------------------------------------------------------------------


def test_both_prod_stacks_keep_state_in_one_azurerm_container_with_entra_id(
    prod_stack: Stack, prod_workloads: Stack
) -> None:
    cluster = prod_stack["terraform"]["backend"]
    workloads = prod_workloads["terraform"]["backend"]
    assert set(cluster) == set(workloads) == {"azurerm"}
    cluster, workloads = cluster["azurerm"], workloads["azurerm"]
    # Terraform's azurerm backend: Entra ID to the blob service (use_azuread_auth); the lease that
    # locks the state is the backend's own, nothing to configure.
    assert cluster["use_azuread_auth"] is True and workloads["use_azuread_auth"] is True
    shared = ("resource_group_name", "storage_account_name", "container_name")
    assert {key: cluster[key] for key in shared} == {key: workloads[key] for key in shared}
    assert cluster["key"] == "ai-conformant-aks-prod.tfstate"
    assert workloads["key"] == "ai-conformant-aks-prod-workloads.tfstate"


def test_the_workloads_stack_reads_the_cluster_state_from_the_same_backend(
    prod_stack: Stack, prod_workloads: Stack
) -> None:
    (remote,) = prod_workloads["data"]["terraform_remote_state"].values()
    assert remote["backend"] == "azurerm"
    assert remote["config"] == prod_stack["terraform"]["backend"]["azurerm"]


def test_dev_may_stay_local_and_the_preflight_says_so(dev_stack: Stack) -> None:
    assert set(dev_stack["terraform"]["backend"]) == {"local"}
    files = {name: ROOT / "environments" / f"{name}.toml" for name in ("dev", "prod")}
    notes = list(preflight.state_notes(list(files.values())))
    assert len(notes) == 1 and notes[0].startswith("environments/dev.toml: Terraform state stays in local")


def test_the_preflight_refuses_prods_state_placeholders() -> None:
    keys = {line.split(" = ")[0] for line in preflight.check_placeholders(PROD_FILE)}
    assert {
        "environments/prod.toml: backend.resource_group_name",
        "environments/prod.toml: backend.storage_account_name",
    } <= keys


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("storage_account_name", "St-Tfstate", "3-24 lowercase letters and digits"),
        ("storage_account_name", "ab", "3-24 lowercase letters and digits"),
        ("container_name", "tf--state", "single hyphens"),
    ],
)
def test_state_storage_names_follow_azures_rules(key: str, value: str, message: str) -> None:
    backend = {
        "type": "azurerm",
        "resource_group_name": "rg",
        "storage_account_name": "sttfstate",
        "container_name": "tfstate",
        key: value,
    }
    settings, problems = check_document("t", {"prefix": "aks-t", "backend": backend})
    assert settings is None
    assert [(problem.key, problem.value) for problem in problems] == [(f"backend.{key}", value)]
    assert message in problems[0].message


# --- 2. protection ----------------------------------------------------------------------------


def test_prods_cluster_and_workspaces_carry_prevent_destroy_and_the_workspaces_a_lock(
    prod_stack: Stack,
) -> None:
    locks = resources(prod_stack, "azurerm_management_lock")
    for resource_type, name in PROTECTED.items():
        assert resources(prod_stack, resource_type)[name]["lifecycle"]["prevent_destroy"] is True
        scoped = [lock for lock in locks.values() if lock["scope"] == f"${{{resource_type}.{name}.id}}"]
        if resource_type in LOCKED:
            (lock,) = scoped
            assert lock["lock_level"] == "CanNotDelete"
        else:
            assert scoped == []
    assert len(locks) == len(LOCKED)
    # The cluster keeps its autoscaler's node count out of the plan as before.
    assert resources(prod_stack, "azurerm_kubernetes_cluster")["aks"]["lifecycle"]["ignore_changes"]


def test_protection_is_a_setting_each_half_of_which_can_be_turned_off() -> None:
    settings = environment_settings("prod")
    off = settings.model_copy(
        update={"protection": settings.protection.model_copy(update={"prevent_destroy": False})}
    )
    cluster, _ = synth_settings("prod", off)
    for resource_type, name in PROTECTED.items():
        assert "prevent_destroy" not in resources(cluster, resource_type)[name].get("lifecycle", {})
    assert len(resources(cluster, "azurerm_management_lock")) == len(LOCKED)


def test_dev_is_not_protected(dev_stack: Stack) -> None:
    assert not resources(dev_stack, "azurerm_management_lock")
    for resource_type, name in PROTECTED.items():
        found = resources(dev_stack, resource_type).get(name)
        assert found is None or "prevent_destroy" not in found.get("lifecycle", {})


def test_make_destroy_of_prod_says_what_to_change_first(tmp_path: Path) -> None:
    (problem,) = preflight.check_protection(PROD_FILE)
    assert "protection.prevent_destroy = true" in problem
    assert "set protection.prevent_destroy = false in environments/prod.toml" in problem
    assert "make destroy ENV=prod" in problem and "locks" in problem
    unprotected = tmp_path / "prod.toml"
    shutil.copy(PROD_FILE, unprotected)
    text = unprotected.read_text().replace("prevent_destroy = true", "prevent_destroy = false")
    unprotected.write_text(text)
    assert list(preflight.check_protection(unprotected)) == []


# --- 5. maintenance windows -------------------------------------------------------------------


def test_prod_schedules_both_upgrade_channels_and_the_default_window(prod_stack: Stack) -> None:
    cluster = resources(prod_stack, "azurerm_kubernetes_cluster")["aks"]
    assert cluster["automatic_upgrade_channel"] == "patch"
    assert cluster["node_os_upgrade_channel"] == "NodeImage"
    rules = maintenance_rules()
    for block in ("maintenance_window_auto_upgrade", "maintenance_window_node_os"):
        window = cluster[block]
        low, high = rules["duration_hours"]
        assert low <= window["duration"] <= high
        # azurerm 4.55 ForCreate/ForUpdate read these for a Weekly schedule.
        assert window["frequency"] == "Weekly" and window["day_of_week"] in rules["days_of_week"]
        assert window["interval"] >= 1 and window["start_time"] and window["utc_offset"]
    # AKS: a weekly node OS window with the NodeImage channel (a new image every week).
    assert cluster["maintenance_window_node_os"]["interval"] == 1
    (allowed,) = cluster["maintenance_window"]["allowed"]
    assert len(allowed["hours"]) >= rules["default"]["min_hours"]


def test_dev_has_no_windows(dev_stack: Stack) -> None:
    cluster = resources(dev_stack, "azurerm_kubernetes_cluster")["aks"]
    assert not [key for key in cluster if key.startswith("maintenance_window")]


def _with_window(window: dict[str, Any], **cluster: Any) -> list[tuple[str, str]]:
    document = {
        "prefix": "aks-t",
        "cluster": {
            "kubernetes_version": "1.36",
            "automatic_upgrade_channel": "patch",
            "node_os_upgrade_channel": "NodeImage",
            **cluster,
        },
        "maintenance": {"auto_upgrade": window},
    }
    _, problems = check_document("t", document)
    # Only the window's problems: the defaults' versions are another test's subject.
    return [(problem.key, problem.message) for problem in problems if problem.key.startswith("maintenance")]


WEEKLY = {"frequency": "Weekly", "day_of_week": "Sunday", "start_time": "01:00", "duration_hours": 4}


def test_a_window_by_aks_rules_passes() -> None:
    assert _with_window(WEEKLY) == []
    assert (
        _with_window(
            {"frequency": "RelativeMonthly", "day_of_week": "Monday", "week_index": "Last", "interval": 2}
        )
        == []
    )
    assert _with_window({"frequency": "AbsoluteMonthly", "day_of_month": 1, "interval": 6}) == []
    assert _with_window({"frequency": "Daily", "interval": 7}) == []


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"duration_hours": 3}, "maintenance.auto_upgrade.duration_hours", "4-24 hours"),
        ({"duration_hours": 25}, "maintenance.auto_upgrade.duration_hours", "4-24 hours"),
        ({"interval": 5}, "maintenance.auto_upgrade.interval", "every 1-4 weeks"),
        ({"day_of_week": None}, "maintenance.auto_upgrade.day_of_week", "needs day_of_week"),
        ({"day_of_month": 3}, "maintenance.auto_upgrade.day_of_month", "takes no day_of_month"),
        ({"start_time": "24:00"}, "maintenance.auto_upgrade.start_time", '"00:00" to "23:59"'),
        ({"start_time": "1:00"}, "maintenance.auto_upgrade.start_time", '"00:00" to "23:59"'),
        ({"utc_offset": "+5:30"}, "maintenance.auto_upgrade.utc_offset", "+HH:MM"),
        ({"frequency": "Hourly"}, "maintenance.auto_upgrade.frequency", "Daily"),
        (
            {"frequency": "Daily", "day_of_week": None, "interval": 8},
            "maintenance.auto_upgrade.interval",
            "every 1-7 days",
        ),
    ],
)
def test_a_window_against_aks_rules_is_refused(change: dict[str, Any], key: str, message: str) -> None:
    window = {name: value for name, value in {**WEEKLY, **change}.items() if value is not None}
    problems = _with_window(window)
    assert [found for found, _ in problems] == [key], problems
    assert message in problems[0][1]


def test_a_window_needs_its_upgrade_channel() -> None:
    assert [key for key, _ in _with_window(WEEKLY, automatic_upgrade_channel="stable")] == []
    document = {
        "prefix": "aks-t",
        "cluster": {"kubernetes_version": "1.36"},
        "maintenance": {"auto_upgrade": WEEKLY, "node_os": WEEKLY},
    }
    _, found = check_document("t", document)
    problems = [problem for problem in found if problem.key.startswith("maintenance")]
    assert [problem.key for problem in problems] == ["maintenance.auto_upgrade", "maintenance.node_os"]
    assert "automatic_upgrade_channel is unset" in problems[0].message
    assert "SecurityPatch or NodeImage" in problems[1].message


def test_the_default_window_needs_four_hours() -> None:
    document = {"prefix": "aks-t", "maintenance": {"default": {"day": "Sunday", "hours": [1, 2, 3]}}}
    _, found = check_document("t", document)
    problems = [problem for problem in found if problem.key.startswith("maintenance")]
    assert [(problem.key, problem.value) for problem in problems] == [
        ("maintenance.default.hours", [1, 2, 3])
    ]


def test_the_rules_file_agrees_with_azurerm_4_55() -> None:
    """azurerm v4.55.0 kubernetes_cluster_resource.go: frequency StringInSlice (Daily, Weekly,
    RelativeMonthly, AbsoluteMonthly) for both windows, duration IntBetween(4, 24)."""
    rules = tomllib.loads((ROOT / "data" / "maintenance-windows.toml").read_text())
    assert set(rules["frequencies"]) == {"Daily", "Weekly", "RelativeMonthly", "AbsoluteMonthly"}
    assert rules["duration_hours"] == [4, 24]
