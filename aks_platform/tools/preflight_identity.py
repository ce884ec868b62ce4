"""Preflight: may the signed-in identity do what the deploy needs (data/deploy-roles.toml)?

For an environment whose cluster stack makes role assignments (a disk encryption set, or Azure
RBAC for Kubernetes authorization), before `make deploy`:

- the identity must be able to create them: Owner, User Access Administrator or Role Based Access
  Control Administrator on the resource group or above (and on the disk encryption set's resource
  group when it is another one);
- with Azure RBAC on, the identity must be able to use the Kubernetes API once the cluster exists:
  the stack grants it Azure Kubernetes Service RBAC Cluster Admin when it is the deployer
  (`cluster.entra_id_rbac.deployer_object_id` unset or its own object id); otherwise it must hold
  that role on the cluster or above, or be in one of `admin_group_object_ids`. This part is
  checked before `make diff` and `make destroy` too.

Everything comes from the Azure CLI: the object id from the access token's `oid` claim (no Graph
call), the roles from `az role assignment list --assignee <oid> --all --include-inherited
--include-groups`, membership from the token's `groups` claim or `az ad group member check`.
Without az, or not signed in, preflight already stops on that; this check then says nothing.
A role assignment at a management group's scope is taken as covering (its subscriptions are not
resolved here), and a condition on a Role Based Access Control Administrator assignment (which
may restrict the roles it can assign) is not evaluated.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aks_platform.cluster_roles import deploy_roles, needs_cluster_admin
from aks_platform.environments import ENVIRONMENTS_DIR, SettingsError, load_environments
from aks_platform.naming import Naming

RESOURCE_GROUP_VARIABLE = "TF_VAR_resource_group_name"
MANAGEMENT_GROUPS = "/providers/microsoft.management/managementgroups/"


class AzCliError(RuntimeError):
    pass


def _az(*arguments: str) -> Any:
    result = subprocess.run(
        ["az", *arguments, "--output", "json"], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise AzCliError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
    try:
        return json.loads(result.stdout)
    except ValueError as error:
        raise AzCliError(f"printed no JSON ({result.stdout.strip()[:60]!r})") from error


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (not verified: only read for the caller's own object id and groups)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise AzCliError("the access token is not a JWT") from error


def covers(scope: str, target: str) -> bool:
    """Whether an assignment at `scope` applies at `target` (Azure RBAC inherits down the tree)."""
    scope, target = scope.lower().rstrip("/"), target.lower().rstrip("/")
    if scope == "" or scope.startswith(MANAGEMENT_GROUPS):
        return True
    return target == scope or target.startswith(scope + "/")


@dataclass(frozen=True)
class Identity:
    name: str
    object_id: str
    subscription: str
    assignments: tuple[dict[str, Any], ...]
    groups: frozenset[str] | None

    def holds(self, roles: Sequence[str], target: str) -> bool:
        wanted = {role.lower() for role in roles}
        return any(
            str(item.get("roleDefinitionName", "")).lower() in wanted
            and covers(str(item.get("scope", "")), target)
            for item in self.assignments
        )

    def in_any(self, groups: Sequence[str]) -> bool:
        for group in groups:
            if self.groups is not None and group.lower() in self.groups:
                return True
            try:
                if _az("ad", "group", "member", "check", "--group", group, "--member-id", self.object_id).get(
                    "value"
                ):
                    return True
            except AzCliError:
                continue
        return False


def signed_in() -> Identity:
    account = _az("account", "show")
    claims = token_claims(_az("account", "get-access-token")["accessToken"])
    object_id = str(claims["oid"])
    assignments = _az(
        "role",
        "assignment",
        "list",
        "--assignee",
        object_id,
        "--all",
        "--include-inherited",
        "--include-groups",
    )
    groups = claims.get("groups")
    return Identity(
        name=str((account.get("user") or {}).get("name") or object_id),
        object_id=object_id,
        subscription=str(account["id"]),
        assignments=tuple(assignments),
        groups=frozenset(g.lower() for g in groups) if isinstance(groups, list) else None,
    )


def _resource_group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return "/".join(parts[:5]) if len(parts) >= 5 else resource_id


def environment_problems(
    action: str, label: str, settings: Any, naming: Naming, who: Identity, group: str
) -> Iterator[str]:
    roles = deploy_roles()
    rg_scope = f"/subscriptions/{who.subscription}/resourceGroups/{group}"
    cluster_scope = f"{rg_scope}/providers/Microsoft.ContainerService/managedClusters/{naming.cluster}"
    des = settings.cluster.disk_encryption_set_id
    admin = needs_cluster_admin(settings)
    assigners = roles["deployer"]["assign_roles"]["roles"]
    if action == "deploy" and (des or admin):
        for scope in dict.fromkeys([rg_scope, *([_resource_group_of(des)] if des else [])]):
            if not who.holds(assigners, scope):
                yield (
                    f"{label}: {who.name} cannot create the cluster stack's role assignments on {scope}: it "
                    f"needs {', '.join(assigners[:-1])} or {assigners[-1]} there or above "
                    "(docs/deploy-lifecycle.md, Identities)"
                )
    if admin:
        rbac = settings.cluster.entra_id_rbac
        deployer = rbac.deployer_object_id
        granted_by_stack = deployer is None or deployer.lower() == who.object_id.lower()
        cluster_admin = roles["deployer"]["kubernetes_api"]["role"]
        if not (
            granted_by_stack
            or who.holds([cluster_admin], cluster_scope)
            or who.in_any(rbac.admin_group_object_ids)
        ):
            yield (
                f"{label}: {who.name} may not use the cluster's Kubernetes API: "
                f"cluster.entra_id_rbac.deployer_object_id gives {cluster_admin} to {deployer}, and "
                f"{who.name} neither holds it on {naming.cluster} (or above) nor is in "
                "cluster.entra_id_rbac.admin_group_object_ids"
            )


def identity_problems(action: str, names: list[str], directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    """What stops the signed-in identity from doing `action` on the environments; [] when allowed
    or when nothing can be checked (no az, not signed in, settings that fail validation later)."""
    try:
        environments = load_environments(directory, only=names)
    except SettingsError:
        return []  # main.py --check reports those, with file and key
    wanted = {
        name: s
        for name, s in environments.items()
        if s.cluster.disk_encryption_set_id or needs_cluster_admin(s)
    }
    group = os.environ.get(RESOURCE_GROUP_VARIABLE, "").strip()
    if not wanted or not group or shutil.which("az") is None:
        return []
    try:
        who = signed_in()
    except (AzCliError, KeyError, TypeError, subprocess.TimeoutExpired) as error:
        return [
            f"could not read the signed-in identity's role assignments with az ({error}): run az login, "
            "or check that it may read role assignments (Reader on the resource group)"
        ]
    problems = []
    for name, settings in wanted.items():
        naming = Naming(name, settings.prefix, settings.location)
        problems += environment_problems(action, name, settings, naming, who, group)
    return problems
