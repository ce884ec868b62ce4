"""Identities that may act: the cluster stack's role assignments, the workloads stack's wait for
them, and the preflight that refuses an identity lacking what the deploy needs.

Roles and scopes from AKS's docs (data/deploy-roles.toml): Reader on the disk encryption set for
the cluster identity (azure-disk-customer-managed-keys.md), Azure Kubernetes Service RBAC Cluster
Admin on the cluster for the deployer (entra-id-authorization.md), five minutes to propagate.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import sys
from pathlib import Path

import pytest
from conftest import Stack, environment_settings, resources, synth_environment

from aks_platform.environments import ENVIRONMENTS_DIR
from aks_platform.tools import preflight_identity

CLUSTER_ADMIN = "Azure Kubernetes Service RBAC Cluster Admin"
OID = "aaaaaaaa-1111-2222-3333-444444444444"
OTHER = "bbbbbbbb-1111-2222-3333-444444444444"
GROUP = "cccccccc-1111-2222-3333-444444444444"
SUB = "dddddddd-1111-2222-3333-444444444444"
DES = f"/subscriptions/{SUB}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-x"


# --- the cluster stack's assignments ----------------------------------------------------------


def test_prod_grants_the_cluster_identity_reader_on_its_disk_encryption_set(prod_stack: Stack) -> None:
    cluster = resources(prod_stack, "azurerm_kubernetes_cluster")["aks"]
    reader = resources(prod_stack, "azurerm_role_assignment")["disk_encryption_set_reader"]
    assert reader["scope"] == cluster["disk_encryption_set_id"]
    assert reader["role_definition_name"] == "Reader"
    # prod's identity is system-assigned: it exists only once the cluster does.
    assert cluster["identity"]["type"] == "SystemAssigned"
    assert reader["principal_id"] == "${azurerm_kubernetes_cluster.aks.identity[0].principal_id}"
    # Before anything uses disks: every user pool waits for it (directly or through the chain).
    pools = resources(prod_stack, "azurerm_kubernetes_cluster_node_pool")
    first = [
        body
        for body in pools.values()
        if "azurerm_role_assignment.disk_encryption_set_reader" in body.get("depends_on", [])
    ]
    assert first, "the first user pool waits for the Reader assignment"


def test_prod_grants_the_deployer_cluster_admin_and_waits_for_it(prod_stack: Stack) -> None:
    deployer = resources(prod_stack, "azurerm_role_assignment")["deployer_cluster_admin"]
    assert deployer["role_definition_name"] == CLUSTER_ADMIN
    assert deployer["scope"] == "${azurerm_kubernetes_cluster.aks.id}"
    assert deployer["principal_id"] == "${data.azurerm_client_config.current.object_id}"
    sleep = resources(prod_stack, "time_sleep")["role_assignments_propagated"]
    assert sleep["create_duration"] == "300s"  # "up to five minutes to propagate"
    assert set(sleep["depends_on"]) == {
        "azurerm_role_assignment.disk_encryption_set_reader",
        "azurerm_role_assignment.deployer_cluster_admin",
    }


def test_the_workloads_stack_waits_for_the_propagation(prod_workloads: Stack) -> None:
    access = resources(prod_workloads, "terraform_data")["cluster_access"]
    assert "time_sleeprole_assignments_propagatedid" in access["input"]["role_assignments_propagated"]
    for name, body in resources(prod_workloads, "terraform_data").items():
        if name.endswith("_crds"):
            assert "terraform_data.cluster_access" in body["depends_on"], name


def test_a_named_deployer_gets_the_role_instead() -> None:
    settings = environment_settings("prod")
    rbac = settings.cluster.entra_id_rbac.model_copy(update={"deployer_object_id": OTHER})
    cluster, _ = synth_environment(
        "prod", cluster=settings.cluster.model_copy(update={"entra_id_rbac": rbac})
    )
    assert resources(cluster, "azurerm_role_assignment")["deployer_cluster_admin"]["principal_id"] == OTHER


def test_dev_needs_no_assignment(dev_stack: Stack, dev_workloads: Stack) -> None:
    """dev keeps local accounts and no Azure RBAC, and has no disk encryption set."""
    assert not resources(dev_stack, "azurerm_role_assignment")
    assert "cluster_access" not in resources(dev_workloads, "terraform_data")


# --- the preflight --------------------------------------------------------------------------------


def _jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


FAKE_AZ = """#!{python}
import json, os, sys
scenario = json.load(open(os.environ["FAKE_AZ_SCENARIO"]))
args = " ".join(sys.argv[1:])
for prefix, answer in scenario.items():
    if args.startswith(prefix):
        if answer is None:
            print("ERROR: not allowed", file=sys.stderr)
            sys.exit(1)
        print(json.dumps(answer))
        sys.exit(0)
print("ERROR: unexpected az " + args, file=sys.stderr)
sys.exit(2)
"""


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    """prod's settings with real-looking ids (no placeholders), as the preflight sees them."""
    folder = tmp_path / "environments"
    folder.mkdir()
    for path in ENVIRONMENTS_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    text = (folder / "prod.toml").read_text()
    text = re.sub(r'(?m)^disk_encryption_set_id = ".*"$', f'disk_encryption_set_id = "{DES}"', text)
    (folder / "prod.toml").write_text(text.replace("00000000-0000-0000-0000-000000000000", GROUP))
    return folder


def _az(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    roles: list[tuple[str, str]],
    groups: list[str] | None = None,
    member: bool | None = False,
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "az"
    script.write_text(FAKE_AZ.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    claims = {"oid": OID, **({"groups": groups} if groups is not None else {})}
    scenario = {
        "account show": {"id": SUB, "user": {"name": "ci-deployer", "type": "servicePrincipal"}},
        "account get-access-token": {"accessToken": _jwt(claims)},
        "role assignment list": [{"roleDefinitionName": role, "scope": scope} for role, scope in roles],
        "ad group member check": None if member is None else {"value": member},
    }
    (tmp_path / "scenario.json").write_text(json.dumps(scenario))
    monkeypatch.setenv("FAKE_AZ_SCENARIO", str(tmp_path / "scenario.json"))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TF_VAR_resource_group_name", "rg-ai")


RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
KEYS = f"/subscriptions/{SUB}/resourceGroups/rg-keys"


def _problems(environments: Path, action: str = "deploy") -> list[str]:
    return preflight_identity.identity_problems(action, ["prod"], environments)


def test_an_owner_of_both_resource_groups_may_deploy(environments, tmp_path, monkeypatch) -> None:
    _az(tmp_path, monkeypatch, [("Owner", RG), ("User Access Administrator", KEYS)])
    assert _problems(environments) == []


def test_an_assignment_at_the_subscription_covers_the_resource_groups(
    environments, tmp_path, monkeypatch
) -> None:
    _az(tmp_path, monkeypatch, [("Role Based Access Control Administrator", f"/subscriptions/{SUB}")])
    assert _problems(environments) == []


def test_a_contributor_cannot_create_the_role_assignments(environments, tmp_path, monkeypatch) -> None:
    _az(tmp_path, monkeypatch, [("Contributor", RG), ("Owner", KEYS)])
    (problem,) = _problems(environments)
    assert problem.startswith(f"prod: ci-deployer cannot create the cluster stack's role assignments on {RG}")
    assert "Owner, User Access Administrator or Role Based Access Control Administrator" in problem


def test_the_disk_encryption_sets_resource_group_counts_too(environments, tmp_path, monkeypatch) -> None:
    _az(tmp_path, monkeypatch, [("Owner", RG)])
    (problem,) = _problems(environments)
    assert f"role assignments on {KEYS}" in problem


def _named_deployer(environments: Path) -> None:
    path = environments / "prod.toml"
    path.write_text(
        path.read_text().replace(
            "azure_rbac_enabled = true", f'azure_rbac_enabled = true\ndeployer_object_id = "{OTHER}"'
        )
    )


def test_when_another_identity_is_the_deployer_this_one_needs_access_of_its_own(
    environments, tmp_path, monkeypatch
) -> None:
    _named_deployer(environments)
    _az(tmp_path, monkeypatch, [("Owner", f"/subscriptions/{SUB}")])
    (problem,) = _problems(environments, "diff")
    assert problem.startswith("prod: ci-deployer may not use the cluster's Kubernetes API")
    assert OTHER in problem


def test_cluster_admin_on_the_cluster_or_the_admin_group_is_enough(
    environments, tmp_path, monkeypatch
) -> None:
    _named_deployer(environments)
    cluster = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-ai-conformant-prod-eastus2"
    _az(tmp_path, monkeypatch, [("Owner", f"/subscriptions/{SUB}"), (CLUSTER_ADMIN, cluster)])
    assert _problems(environments, "diff") == []
    _az(tmp_path, monkeypatch, [("Owner", f"/subscriptions/{SUB}")], groups=[GROUP])
    assert _problems(environments, "diff") == []
    _az(tmp_path, monkeypatch, [("Owner", f"/subscriptions/{SUB}")], member=True)  # no groups claim
    assert _problems(environments, "diff") == []


def test_roles_that_cannot_be_read_are_a_problem_not_a_pass(environments, tmp_path, monkeypatch) -> None:
    _az(tmp_path, monkeypatch, [])
    scenario = json.loads((tmp_path / "scenario.json").read_text())
    scenario["role assignment list"] = None
    (tmp_path / "scenario.json").write_text(json.dumps(scenario))
    (problem,) = _problems(environments)
    assert problem.startswith("could not read the signed-in identity's role assignments with az")


def test_without_az_the_check_says_nothing_because_preflight_already_refused(
    environments, monkeypatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("TF_VAR_resource_group_name", "rg-ai")
    assert _problems(environments) == []


def test_scopes_inherit_down_the_tree_only() -> None:
    assert preflight_identity.covers(f"/subscriptions/{SUB}", RG)
    assert preflight_identity.covers(RG, RG + "/providers/Microsoft.ContainerService/managedClusters/c")
    assert not preflight_identity.covers(RG + "-other", RG)
    assert not preflight_identity.covers(RG + "/providers/Microsoft.ContainerService/managedClusters/c", RG)


def test_make_deploys_preflight_runs_the_identity_check(environments, tmp_path, monkeypatch) -> None:
    """The check is wired into `python -m aks_platform.tools.preflight deploy` (the Makefile's
    first step), not only callable: with the other checks passing, a Contributor is refused."""
    from aks_platform.tools import preflight

    for check in (
        "check_terraform",
        "check_azure_cli",
        "check_resource_group",
        "check_kubelogin",
        "check_placeholders",
        "check_kaito_version",
    ):
        monkeypatch.setattr(preflight, check, lambda *_: [])
    _az(tmp_path, monkeypatch, [("Contributor", RG), ("Owner", KEYS)])
    (problem,) = preflight.preflight("deploy", ["prod"], environments)
    assert problem.startswith(f"prod: ci-deployer cannot create the cluster stack's role assignments on {RG}")
