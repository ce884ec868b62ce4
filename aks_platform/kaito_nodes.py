"""KAITO's node pools: wait until a removed Workspace's are gone, delete those left, report the rest.

KAITO (node auto-provisioning, the add-on's gpu-provisioner) creates an AKS node pool for each
node a Workspace needs; those pools are not in Terraform's state. AKS's KAITO doc
(ai-toolchain-operator.md, "Clean up resources") says to delete them by hand after the Workspace:
find them with `az aks nodepool list` by the node label `kaito.sh/workspace`, then delete them. So
the workloads stack runs this when it destroys the Workspace (and when it replaces it):

1. wait until no pool labelled kaito.sh/workspace=<name> (and kaito.sh/workspacenamespace=<ns>)
   is left, since KAITO deletes its NodeClaims when the Workspace goes;
2. after the timeout, with --delete-left, delete the pools still there, one at a time (AKS
   refuses a second concurrent operation on a cluster with 409);
3. report every KAITO pool still in the cluster, of any workspace; exit 1 if this one's remain.

    python -m aks_platform.kaito_nodes --cluster aks-x --workspace smollm2/smollm2-workspace --delete-left
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aks_platform.cluster_access import RESOURCE_GROUP_VARIABLE

WORKSPACE_LABEL = "kaito.sh/workspace"
NAMESPACE_LABEL = "kaito.sh/workspacenamespace"
DEFAULT_TIMEOUT = 1200
INTERVAL = 30
Pool = Mapping[str, Any]


class AzError(RuntimeError):
    pass


def kaito_pools(pools: Sequence[Pool], namespace: str | None = None, name: str | None = None) -> list[str]:
    """Names of the pools KAITO made (for one workspace when `name` is given)."""
    found = []
    for pool in pools:
        labels = pool.get("nodeLabels") or {}
        if WORKSPACE_LABEL not in labels:
            continue
        if name is not None and labels[WORKSPACE_LABEL] != name:
            continue
        if namespace is not None and labels.get(NAMESPACE_LABEL, namespace) != namespace:
            continue
        found.append(str(pool["name"]))
    return sorted(found)


def wait_and_clean(
    list_pools: Callable[[], Sequence[Pool]],
    delete_pool: Callable[[str], None],
    namespace: str,
    name: str,
    *,
    delete_left: bool,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = print,
) -> tuple[list[str], list[str]]:
    """(this workspace's pools left, other KAITO pools) once done waiting and deleting."""
    deadline = clock() + timeout
    while True:
        pools = list_pools()
        mine = kaito_pools(pools, namespace, name)
        if not mine or clock() >= deadline:
            break
        report(f"kaito_nodes: waiting for KAITO to remove node pools {', '.join(mine)} of {namespace}/{name}")
        sleep(interval)
    if mine and delete_left:
        for pool in mine:
            report(f"kaito_nodes: deleting node pool {pool} (left by {namespace}/{name})")
            delete_pool(pool)
        pools = list_pools()
        mine = kaito_pools(pools, namespace, name)
    others = sorted(set(kaito_pools(pools)) - set(mine))
    return mine, others


def _az(arguments: list[str]) -> str:
    try:
        result = subprocess.run(["az", *arguments], capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError as error:
        raise AzError("the Azure CLI (az) is not installed") from error
    if result.returncode != 0:
        raise AzError(result.stderr.strip()[:300])
    return result.stdout


def _delete_pool(where: list[str], pool: str) -> None:
    _az(["aks", "nodepool", "delete", *where, "--name", pool])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aks_platform.kaito_nodes", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cluster", required=True)
    parser.add_argument("--workspace", required=True, help="<namespace>/<name>")
    parser.add_argument("--delete-left", action="store_true", help="delete the pools left after the timeout")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds")
    args = parser.parse_args(argv)
    namespace, _, name = args.workspace.partition("/")
    if not (namespace or name):
        print("kaito_nodes: no workspace was there: no node pool to wait for")
        return 0
    group = os.environ.get(RESOURCE_GROUP_VARIABLE, "").strip()
    if not (group and namespace and name):
        print(
            f"kaito_nodes: needs {RESOURCE_GROUP_VARIABLE} and --workspace <namespace>/<name>",
            file=sys.stderr,
        )
        return 2
    where = ["--resource-group", group, "--cluster-name", args.cluster]
    try:
        _az(
            [
                "aks",
                "show",
                "--resource-group",
                group,
                "--name",
                args.cluster,
                "--query",
                "id",
                "--output",
                "tsv",
            ]
        )
    except AzError as error:
        if "ResourceNotFound" in str(error) or "could not be found" in str(error):
            print(f"kaito_nodes: cluster {args.cluster} is gone, and KAITO's node pools with it")
            return 0
        print(f"kaito_nodes: az aks show failed: {error}", file=sys.stderr)
        return 1
    try:
        mine, others = wait_and_clean(
            lambda: json.loads(_az(["aks", "nodepool", "list", *where, "--output", "json"])),
            lambda pool: _delete_pool(where, pool),
            namespace,
            name,
            delete_left=args.delete_left,
            timeout=args.timeout,
        )
    except AzError as error:
        print(f"kaito_nodes: az failed: {error}", file=sys.stderr)
        return 1
    if others:
        print(
            f"kaito_nodes: KAITO node pools of other workspaces are still in {args.cluster}: "
            + ", ".join(others)
        )
    if mine:
        print(
            f"kaito_nodes: node pools of {args.workspace} are still in {args.cluster} and keep billing: "
            f"{', '.join(mine)}; delete them with az aks nodepool delete {' '.join(where)} --name <pool>",
            file=sys.stderr,
        )
        return 1
    print(f"kaito_nodes: no node pool of {args.workspace} is left in {args.cluster}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
