"""make check-plan: a Terraform JSON plan that deletes or replaces a protected resource is refused,
naming it and the attributes that force it; in-place updates pass; make deploy and make diff run
it on each stack's plan before anything is applied."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, Stack

from aks_platform.tools import plan_check

PLANS = ROOT / "tests" / "data" / "plans"


def load(name: str) -> dict:
    return json.loads((PLANS / name).read_text())


def test_a_recorded_replacement_and_deletion_are_refused_by_address_and_attribute() -> None:
    lines = list(plan_check.refusals(load("replace-and-delete.json")))
    assert len(lines) == 3
    cluster, pool, workspace = sorted(lines)
    assert cluster.startswith("azurerm_kubernetes_cluster.aks would be replaced (deleted, then created)")
    assert "forced by default_node_pool[0].drain_timeout_in_minutes" in cluster
    assert "reason: replace_because_cannot_update" in cluster
    assert pool.startswith("azurerm_kubernetes_cluster_node_pool.node_pool_gpunp would be replaced (created")
    assert "forced by zones" in pool
    assert workspace.startswith("azurerm_log_analytics_workspace.log_analytics_workspace would be deleted")
    assert "delete_because_no_resource_config" in workspace
    # helm_release.kueue is replaced too, but it is not a protected type.
    assert not [line for line in lines if "kueue" in line]


def test_an_in_place_update_passes(capsys) -> None:
    assert list(plan_check.refusals(load("update-in-place.json"))) == []
    assert plan_check.check_files([PLANS / "update-in-place.json"]) == 0


def test_check_files_refuses_unless_allow_replace(monkeypatch, capsys) -> None:
    assert plan_check.check_files([PLANS / "replace-and-delete.json"]) == 1
    err = capsys.readouterr().err
    assert "refused: 3 protected resource(s)" in err and "ALLOW_REPLACE=1" in err
    monkeypatch.setenv("ALLOW_REPLACE", "1")
    assert plan_check.check_files([PLANS / "replace-and-delete.json"]) == 0
    assert "going on with 3" in capsys.readouterr().err


def test_anything_but_a_json_plan_is_refused_with_what_to_run(tmp_path: Path, capsys) -> None:
    binary = tmp_path / "plan.tfplan"
    binary.write_bytes(b"PK\x03\x04 not json")
    assert plan_check.check_files([binary]) == 2
    assert "terraform show -json" in capsys.readouterr().err
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format_version": "2.0", "resource_changes": []}))
    assert plan_check.check_files([state]) == 2


def test_an_azapi_agent_pool_is_protected_and_other_azapi_resources_are_not() -> None:
    def change(azure_type: str) -> dict:
        return {
            "address": "azapi_resource.pool",
            "mode": "managed",
            "type": "azapi_resource",
            "name": "pool",
            "change": {"actions": ["delete", "create"], "before": {"type": azure_type}, "after": None},
        }

    pool = change("Microsoft.ContainerService/managedClusters/agentPools@2025-10-01")
    other = change("Microsoft.Resources/deployments@2024-03-01")
    plan = {"format_version": "1.2", "resource_changes": [pool, other]}
    (line,) = plan_check.refusals(plan)
    assert line.startswith("azapi_resource.pool would be replaced")


@pytest.mark.parametrize(
    ("actions", "said"),
    [
        (["forget"], "would be forgotten"),
        (["create", "forget"], "would be replaced by a new one while the old one is forgotten"),
        (["forget", "create"], "would be forgotten, then created anew"),
    ],
)
def test_forgetting_a_protected_resource_is_refused(actions: list[str], said: str) -> None:
    """Terraform 1.7+ plans `forget` for a removed block with destroy = false (internal/plans: Forget,
    CreateThenForget, ForgetThenCreate): the cluster would leave Terraform's hands."""
    cluster = {
        "address": "azurerm_kubernetes_cluster.aks",
        "mode": "managed",
        "type": "azurerm_kubernetes_cluster",
        "name": "aks",
        "change": {"actions": actions, "before": {}, "after": None},
    }
    plan = {"format_version": "1.2", "resource_changes": [cluster]}
    (line,) = plan_check.refusals(plan)
    assert line.startswith(f"azurerm_kubernetes_cluster.aks {said}")


def test_every_protected_kind_the_stacks_make_is_in_the_table(prod_stack: Stack) -> None:
    """The cluster, pools, workspaces, collection rules and associations prod makes are all in
    data/protected-resources.toml (and the table names nothing the stacks cannot make)."""
    made = set(prod_stack["resource"])
    kinds = ("kubernetes_cluster", "workspace", "data_collection")
    expected = {name for name in made if any(kind in name for kind in kinds)}
    table = {entry.type for entry in plan_check.load_protected()}
    assert expected <= table, expected - table
    assert "azurerm_kubernetes_cluster_node_pool" in table and "azapi_resource" in table


@pytest.mark.subprocess
@pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform on PATH for a live plan")
def test_a_plan_made_by_terraform_itself(tmp_path: Path) -> None:
    """terraform_data (built in: no registry) replaced, deleted and updated; the check treats it
    as protected here, so the live JSON proves the format, not just our recording of it."""
    (tmp_path / "main.tf").write_text(
        'variable "v" { default = "a" }\n'
        'resource "terraform_data" "swap" { triggers_replace = [var.v] }\n'
        'resource "terraform_data" "keep" { input = var.v }\n'
        'resource "terraform_data" "gone" { input = "x" }\n'
    )
    env = {
        "TF_CLI_CONFIG_FILE": "/dev/null",
        "CHECKPOINT_DISABLE": "1",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }

    def terraform(*args: str) -> str:
        found = shutil.which("terraform")
        assert found is not None
        return subprocess.run(
            [found, *args], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
        ).stdout

    terraform("init", "-input=false")
    terraform("apply", "-auto-approve", "-input=false")
    (tmp_path / "main.tf").write_text(
        (tmp_path / "main.tf").read_text().replace('resource "terraform_data" "gone" { input = "x" }\n', "")
    )
    terraform("plan", "-input=false", "-var", "v=b", "-out=p.tfplan")
    plan = json.loads(terraform("show", "-json", "p.tfplan"))
    protected = [plan_check.Protected(type="terraform_data", why="test")]
    lines = sorted(plan_check.refusals(plan, protected))
    assert len(lines) == 2
    assert lines[0].startswith("terraform_data.gone would be deleted")
    assert (
        lines[1].startswith("terraform_data.swap would be replaced")
        and "forced by triggers_replace" in lines[1]
    )


def _recipe(target: str) -> str:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target, "ENV=dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("target", ["deploy", "diff"])
def test_deploy_and_diff_check_each_stacks_plan_before_anything_is_applied(target: str) -> None:
    recipe = _recipe(target)
    # diff plans and checks too, but skips a stack whose remote state is not there yet
    # (aks_platform/tools/stack_state.py, tests/test_stack_state.py).
    assert f"aks_platform.tools.plan_check {'plan' if target == 'deploy' else 'diff'}" in recipe
    if target == "deploy":
        assert recipe.index("aks_platform.tools.plan_check plan") < recipe.index("cdktf deploy")
        assert "--ignore-missing-stack-dependencies" in recipe


def test_make_check_plan_reads_the_file_it_is_given() -> None:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "check-plan", f"PLAN={PLANS / 'update-in-place.json'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "aks_platform.tools.plan_check check" in result.stdout and "update-in-place.json" in result.stdout


# --- in-place changes of fields AKS fixes at creation (data/immutable-pool-fields.toml) ----------


def _update(resource_type: str, before: dict, after: dict, after_unknown: dict | None = None) -> dict:
    """One resource_changes entry of an in-place update, shaped as the recorded plans are."""
    return {
        "address": f"{resource_type}.pool",
        "mode": "managed",
        "type": resource_type,
        "name": "pool",
        "change": {
            "actions": ["update"],
            "before": before,
            "after": after,
            "after_unknown": after_unknown or {},
        },
    }


def _lines(*changes: dict) -> list[str]:
    return list(plan_check.refusals({"format_version": "1.2", "resource_changes": list(changes)}))


def test_an_in_place_change_of_an_immutable_pool_field_is_refused() -> None:
    pool = {"vm_size": "Standard_D4ds_v5", "node_count": 2, "zones": ["1", "2", "3"]}
    (line,) = _lines(
        _update("azurerm_kubernetes_cluster_node_pool", pool, {**pool, "vm_size": "Standard_D8ds_v5"})
    )
    assert 'would change vm_size in place from "Standard_D4ds_v5" to "Standard_D8ds_v5"' in line
    assert "create-node-pools.md" in line
    # The autoscaler's count is no such field.
    assert _lines(_update("azurerm_kubernetes_cluster_node_pool", pool, {**pool, "node_count": 3})) == []


def test_the_system_pool_and_azapi_agent_pools_are_checked_too() -> None:
    before = {"default_node_pool": [{"max_pods": 110, "vm_size": "Standard_D4ds_v5"}]}
    after = {"default_node_pool": [{"max_pods": 60, "vm_size": "Standard_D4ds_v5"}]}
    (line,) = _lines(_update("azurerm_kubernetes_cluster", before, after))
    assert "default_node_pool[0].max_pods in place from 110 to 60" in line
    agent_pool = "Microsoft.ContainerService/managedClusters/agentPools@2025-10-01"
    body = {"properties": {"vmSize": "Standard_NC24ads_A100_v4", "gpuInstanceProfile": "MIG3g"}}
    changed = {"properties": {**body["properties"], "gpuInstanceProfile": "MIG2g"}}
    (line,) = _lines(
        _update("azapi_resource", {"type": agent_pool, "body": body}, {"type": agent_pool, "body": changed})
    )
    assert "body.properties.gpuInstanceProfile" in line and "gpu-multi-instance.md" in line


def test_a_value_known_only_at_apply_counts_as_a_change() -> None:
    pool = {"os_disk_size_gb": 128}
    (line,) = _lines(
        _update("azurerm_kubernetes_cluster_node_pool", pool, {}, after_unknown={"os_disk_size_gb": True})
    )
    assert "os_disk_size_gb in place from 128 to a value known only at apply" in line
