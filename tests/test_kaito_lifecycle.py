"""Changes KAITO accepts, and a Workspace whose removal leaves no node billing.

KAITO's webhook (kaito-project/kaito v0.11.0, api/v1beta1/workspace_validation.go, validateUpdate)
rejects an update of resource.count, resource.instanceType, resource.labelSelector and
inference.preset, and setting or unsetting inference.template; v0.12.0 adds resource.partition.
The list below is written from that source, not from data/kaito-update-rules.toml, so dropping a
rule from the data file fails here.
"""

from __future__ import annotations

import copy
import re

import pytest
from conftest import Stack, environment_settings, resources, synth_environment
from stack_objects import address_of, one_of_kind

from aks_platform import kaito_lifecycle, kaito_nodes, manifests
from aks_platform.settings import KaitoWorkspaceSettings

# path -> a changed value KAITO would refuse as an update (None: remove the field).
KAITO_IMMUTABLE = {
    "resource.count": 2,
    "resource.instanceType": "Standard_NC4as_T4_v3",
    "resource.labelSelector": {"matchLabels": {"apps": "other"}},
    "resource.partition": {"mode": "MIG"},
    "inference.preset": {"name": "org/other-model"},
}
HELM_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _set(document: dict, path: str, value: object) -> dict:
    changed = copy.deepcopy(document)
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target.setdefault(key, {})
    if value is None:
        target.pop(last, None)
    else:
        target[last] = value
    return changed


def _workspace(**changes: object) -> dict:
    return manifests.kaito_workspace(
        environment_settings("dev").workloads.kaito_workspace.model_copy(update=changes)
    )


@pytest.mark.parametrize("path", sorted(KAITO_IMMUTABLE))
def test_a_field_kaito_refuses_to_update_renames_the_release(path: str) -> None:
    workspace = _workspace(runtime="preset", instance_type="Standard_NC24ads_A100_v4")
    changed = _set(workspace, path, KAITO_IMMUTABLE[path])
    assert changed != workspace
    assert kaito_lifecycle.release_name(changed) != kaito_lifecycle.release_name(workspace), path


def test_setting_or_unsetting_the_template_renames_the_release_and_its_content_does_not() -> None:
    template = _workspace()
    preset = _set(template, "inference", {"preset": {"name": "org/model"}})
    assert kaito_lifecycle.release_name(preset) != kaito_lifecycle.release_name(template)
    # KAITO accepts changes inside the template: those update in place.
    edited = copy.deepcopy(template)
    edited["inference"]["template"]["spec"]["containers"][0]["image"] = "example.test/other:1"
    assert kaito_lifecycle.release_name(edited) == kaito_lifecycle.release_name(template)
    tuning = _set(_set(template, "inference", None), "tuning", {"preset": {"name": "x"}})
    assert kaito_lifecycle.release_name(tuning) != kaito_lifecycle.release_name(template)


@pytest.mark.parametrize(
    ("change", "replaced"),
    [
        ({"model": "org/other-model"}, True),  # the preset's name
        ({"instance_type": "Standard_NC4as_T4_v3"}, True),
        ({"count": 2}, True),
        ({"runtime": "template"}, True),  # preset -> template: the preset goes, a template comes
        ({"name": "other-workspace"}, True),  # another object (and another label selector)
    ],
)
def test_changing_the_workspace_settings_kaito_cannot_update_replaces_it(
    change: dict, replaced: bool
) -> None:
    """prod's settings (the vLLM preset on an A100) with one value changed, through the whole synth:
    the release's name (a change of which makes Terraform replace a helm_release) follows."""
    settings = environment_settings("prod")
    workloads = settings.workloads
    changed = workloads.model_copy(
        update={"kaito_workspace": workloads.kaito_workspace.model_copy(update=change)}
    )
    _, before = synth_environment("prod")
    _, after = synth_environment("prod", workloads=changed)
    assert before is not None and after is not None
    names = [resources(stack, "helm_release")["kaito_workspace"]["name"] for stack in (before, after)]
    assert (names[0] != names[1]) is replaced
    # The node clean-up is replaced with it: it waits for the old Workspace's nodes in between.
    inputs = [
        resources(stack, "terraform_data")["kaito_nodes_gone"]["triggers_replace"]
        for stack in (before, after)
    ]
    assert inputs[0] != inputs[1]


def test_template_edits_update_in_place() -> None:
    workloads = environment_settings("dev").workloads
    for change in ({"image": "example.test/kaito-base:9"}, {"cpu_request": "2"}, {"torch_dtype": "bfloat16"}):
        settings = workloads.kaito_workspace.model_copy(update=change)
        assert kaito_lifecycle.release_name(
            manifests.kaito_workspace(settings)
        ) == kaito_lifecycle.release_name(manifests.kaito_workspace(workloads.kaito_workspace)), change


def test_the_release_name_is_one_helm_accepts() -> None:
    # hashicorp/helm v3.1.1 resource_helm_release.go: name LengthBetween(1, 53), RequiresReplace.
    longest = KaitoWorkspaceSettings(name="w" * 56, namespace="n" * 63)
    name = kaito_lifecycle.release_name(manifests.kaito_workspace(longest))
    assert len(name) <= 53 and HELM_RELEASE_NAME.match(name)


def test_the_workspace_release_is_the_only_place_the_workspace_is(dev_workloads: Stack) -> None:
    assert address_of(dev_workloads, "Workspace") == "helm_release.kaito_workspace"
    release = resources(dev_workloads, "helm_release")["kaito_workspace"]
    assert release["name"] == kaito_lifecycle.release_name(one_of_kind(dev_workloads, "Workspace"))
    # Helm waits on delete until the Workspace is gone (KAITO's finalizer first deletes its node
    # claims), longer than Helm's default 300 s.
    assert release["wait"] is True and release["timeout"] >= 900
    assert release["take_ownership"] is True
    # The kubernetes_manifest of earlier versions is forgotten, not deleted: the release adopts it.
    assert {"from": "kubernetes_manifest.kaito_workspace", "lifecycle": {"destroy": False}} in dev_workloads[
        "removed"
    ]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_destroying_the_workspace_then_waits_for_its_nodes(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    """Terraform destroys a resource's dependents first: the release (the Workspace) goes, then
    kaito_nodes_gone, whose destroy-time command waits for (and deletes) KAITO's node pools."""
    stack = {"dev": dev_workloads, "prod": prod_workloads}[environment]
    release = resources(stack, "helm_release")["kaito_workspace"]
    assert "terraform_data.kaito_nodes_gone" in release["depends_on"]
    guard = resources(stack, "terraform_data")["kaito_nodes_gone"]
    (provisioner,) = guard["provisioner"]
    local_exec = provisioner["local-exec"]
    assert local_exec["when"] == "destroy"
    assert local_exec["command"].startswith("python -m aks_platform.kaito_nodes ")
    assert "--delete-left" in local_exec["command"]
    # A destroy-time provisioner may refer only to self: every value comes from the input.
    assert all(value.startswith("${self.input.") for value in local_exec["environment"].values())
    workspace = one_of_kind(stack, "Workspace")
    assert guard["input"]["workspace"] == workspace["metadata"]["name"]
    assert guard["input"]["namespace"] == workspace["metadata"]["namespace"]
    assert guard["input"]["release"] == release["name"]


def test_with_the_workspace_off_the_node_guard_stays_and_runs_for_the_one_that_was_there() -> None:
    """A destroy-time provisioner runs only while its resource is in the configuration: turning the
    workspace off changes the guard's input instead, which replaces it (the old one's command runs)."""
    workloads = environment_settings("dev").workloads
    off = workloads.model_copy(
        update={"kaito_workspace": workloads.kaito_workspace.model_copy(update={"enabled": False})}
    )
    _, stack = synth_environment("dev", workloads=off)
    assert stack is not None
    assert "kaito_workspace" not in resources(stack, "helm_release")
    guard = resources(stack, "terraform_data")["kaito_nodes_gone"]
    assert guard["triggers_replace"] == {
        "cluster": "aks-ai-conformant-dev-centralus",
        "namespace": "",
        "release": "",
        "workspace": "",
    }
    assert "removed" not in stack or all("kaito" not in block["from"] for block in stack["removed"])


def test_the_node_wait_without_a_workspace_has_nothing_to_do(capsys) -> None:
    assert kaito_nodes.main(["--cluster", "c", "--workspace", "/", "--delete-left"]) == 0
    assert "no node pool to wait for" in capsys.readouterr().out


# --- KAITO's node pools ----------------------------------------------------------------------------


def _pool(name: str, workspace: str | None, namespace: str = "smollm2") -> dict:
    labels = {"kubernetes.azure.com/agentpool": name}
    if workspace:
        labels |= {"kaito.sh/workspace": workspace, "kaito.sh/workspacenamespace": namespace}
    return {"name": name, "nodeLabels": labels}


def test_kaitos_pools_are_the_ones_with_its_workspace_label() -> None:
    pools = [_pool("system", None), _pool("ws1a2b3", "smollm2-workspace"), _pool("ws9", "other", "x")]
    assert kaito_nodes.kaito_pools(pools) == ["ws1a2b3", "ws9"]
    assert kaito_nodes.kaito_pools(pools, "smollm2", "smollm2-workspace") == ["ws1a2b3"]
    assert kaito_nodes.kaito_pools(pools, "elsewhere", "smollm2-workspace") == []


class Cluster:
    """Node pools that KAITO removes after `removed_after` listings (never, with None)."""

    def __init__(self, removed_after: int | None) -> None:
        self.pools = [_pool("system", None), _pool("wsgpu", "smollm2-workspace"), _pool("wsother", "other")]
        self.listings = 0
        self.removed_after = removed_after
        self.deleted: list[str] = []
        self.now = 0.0

    def list_pools(self) -> list[dict]:
        self.listings += 1
        if self.removed_after is not None and self.listings > self.removed_after:
            self.pools = [pool for pool in self.pools if pool["name"] != "wsgpu"]
        return list(self.pools)

    def delete_pool(self, name: str) -> None:
        self.deleted.append(name)
        self.pools = [pool for pool in self.pools if pool["name"] != name]

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _clean(cluster: Cluster, delete_left: bool) -> tuple[list[str], list[str]]:
    return kaito_nodes.wait_and_clean(
        cluster.list_pools,
        cluster.delete_pool,
        "smollm2",
        "smollm2-workspace",
        delete_left=delete_left,
        timeout=300,
        interval=30,
        clock=lambda: cluster.now,
        sleep=cluster.sleep,
        report=lambda line: None,
    )


def test_the_wait_ends_when_kaito_has_removed_the_pools() -> None:
    cluster = Cluster(removed_after=2)
    assert _clean(cluster, delete_left=True) == ([], ["wsother"])
    assert cluster.deleted == [] and cluster.now == 60


def test_pools_left_after_the_timeout_are_deleted_or_reported() -> None:
    deleting = Cluster(removed_after=None)
    assert _clean(deleting, delete_left=True) == ([], ["wsother"])
    assert deleting.deleted == ["wsgpu"] and deleting.now == 300
    reporting = Cluster(removed_after=None)
    assert _clean(reporting, delete_left=False) == (["wsgpu"], ["wsother"])
    assert reporting.deleted == []


FAKE_AZ = """#!{python}
import json, os, sys
args = sys.argv[1:]
log = os.environ["FAKE_AZ_LOG"]
with open(log, "a") as handle:
    handle.write(" ".join(args) + "\\n")
state = json.load(open(os.environ["FAKE_AZ_POOLS"]))
if args[:2] == ["aks", "show"]:
    print("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c")
elif args[:3] == ["aks", "nodepool", "list"]:
    print(json.dumps(state))
elif args[:3] == ["aks", "nodepool", "delete"]:
    name = args[args.index("--name") + 1]
    json.dump([pool for pool in state if pool["name"] != name], open(os.environ["FAKE_AZ_POOLS"], "w"))
else:
    sys.exit(2)
"""


def test_the_destroy_time_command_lists_and_deletes_with_az(tmp_path, monkeypatch, capsys) -> None:
    """The command Terraform runs, against an az that keeps the pools in a file: the left pool of the
    workspace is deleted by name in the cluster's resource group, another workspace's is reported."""
    import json
    import os
    import stat
    import sys

    script = tmp_path / "az"
    script.write_text(FAKE_AZ.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    pools = tmp_path / "pools.json"
    pools.write_text(
        json.dumps([_pool("system", None), _pool("wsgpu", "smollm2-workspace"), _pool("wsx", "other")])
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_AZ_POOLS", str(pools))
    monkeypatch.setenv("FAKE_AZ_LOG", str(tmp_path / "calls.log"))
    monkeypatch.setenv("TF_VAR_resource_group_name", "rg-ai")
    argv = [
        "--cluster",
        "aks-x",
        "--workspace",
        "smollm2/smollm2-workspace",
        "--delete-left",
        "--timeout",
        "0",
    ]
    assert kaito_nodes.main(argv) == 0
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert "aks nodepool delete --resource-group rg-ai --cluster-name aks-x --name wsgpu" in calls
    assert not [call for call in calls if "delete" in call and "wsx" in call]
    out = capsys.readouterr().out
    assert "KAITO node pools of other workspaces are still in aks-x: wsx" in out
    assert [pool["name"] for pool in json.loads(pools.read_text())] == ["system", "wsx"]
