"""Every pod the stacks create has a node: tolerations, node selectors and affinity (tests/placement.py)
against each pool's taints, labels and minimum count, in every shipped environment."""

from __future__ import annotations

import pytest
from conftest import environment_settings, synth_environment
from placement import (
    DRA_DEFAULT_AFFINITY,
    Pod,
    Pool,
    fits,
    parse_taint,
    pods,
    pools,
    unaccounted,
    unschedulable,
)

GPU_TAINT = parse_taint("sku=gpu:NoSchedule")
CRITICAL = parse_taint("CriticalAddonsOnly=true:NoSchedule")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_pod_has_a_node(environment: str, dev_stacks, prod_stacks) -> None:
    cluster, workloads = dev_stacks if environment == "dev" else prod_stacks
    found = pods(workloads)
    # Kueue's controller and the gateway at least; a new pod kind must be taught to tests/placement.py.
    assert {pod.owner.split(" ")[0] for pod in found} >= {"helm_release.kueue", "Gateway"}
    assert unschedulable(cluster, workloads) == []
    # Nothing else in the stack starts pods the check does not read.
    assert unaccounted(workloads) == []


def test_a_new_pod_maker_is_not_overlooked(dev_workloads) -> None:
    import copy

    workloads = copy.deepcopy(dev_workloads)
    workloads["resource"]["helm_release"]["cert_sync"] = {"chart": "csi-secrets-store", "namespace": "x"}
    workloads["resource"].setdefault("kubernetes_manifest", {})["job"] = {
        "manifest": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "x"}}
    }
    assert unaccounted(workloads) == ["helm_release.cert_sync (chart csi-secrets-store)"]
    # A workload object is read from its pod template: a Job without tolerations needs an ordinary node.
    assert [pod.owner for pod in pods(workloads) if pod.owner.startswith("Job")] == ["Job x/j"]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_pool_of_the_settings_is_read(environment: str, dev_stacks, prod_stacks) -> None:
    """The pools come from the JSON; a pool kind the reader does not know fails here, not silently."""
    cluster, _ = dev_stacks if environment == "dev" else prod_stacks
    settings = environment_settings(environment)
    expected = {settings.system_pool.name} | {pool.name for pool in settings.user_pools}
    assert {pool.name for pool in pools(cluster)} == expected


def test_prod_without_its_cpu_pool_strands_kueue_and_the_gateway(prod_stacks) -> None:
    """The reason for prod's "apps" pool: critical-add-ons-only system pool, tainted gpunp from zero."""
    settings = environment_settings("prod")
    gpu_only = tuple(pool for pool in settings.user_pools if pool.name != "apps")
    cluster, workloads = synth_environment("prod", user_pools=gpu_only)
    assert workloads is not None
    problems = unschedulable(cluster, workloads)
    stranded = {problem.split(":")[0] for problem in problems}
    assert {
        "helm_release.kueue (controller, 2 replicas)",
        "Gateway inference-gateway/inference-gateway (Istio's Deployment)",
    } <= stranded
    assert all("no pool that fits and always has a node" in problem for problem in problems)


def test_the_filters() -> None:
    system = Pool("p", "system", (CRITICAL,), {"kubernetes.azure.com/agentpool": "system"}, 3, 6)
    gpu = Pool("g", "gpunp", (GPU_TAINT,), {"kubernetes.azure.com/agentpool": "gpunp"}, 0, 4)
    plain = Pod("x", "Deployment")
    assert not fits(plain, system) and not fits(plain, gpu)
    tolerant = Pod("y", "Deployment", ({"key": "sku", "operator": "Exists", "effect": "NoSchedule"},))
    assert fits(tolerant, gpu)
    wrong_value = Pod("z", "Deployment", ({"key": "sku", "operator": "Equal", "value": "cpu"},))
    assert not fits(wrong_value, gpu)
    everything = Pod("w", "Deployment", ({"operator": "Exists"},))
    assert fits(everything, system)
    selected = Pod("s", "Deployment", ({"operator": "Exists"},), {"kubernetes.azure.com/agentpool": "gpunp"})
    assert fits(selected, gpu) and not fits(selected, system)
    # The DRA chart's default affinity wants NFD labels, which AKS nodes do not have.
    assert not fits(Pod("d", "DaemonSet", ({"operator": "Exists"},), affinity=DRA_DEFAULT_AFFINITY), gpu)


def test_bad_settings_without_an_ordinary_pool_are_refused() -> None:
    from aks_platform.settings.workloads import placement_problems

    settings = environment_settings("prod")
    gpu_only = settings.model_copy(
        update={"user_pools": tuple(pool for pool in settings.user_pools if pool.name != "apps")}
    )
    (problem,) = placement_problems(gpu_only)
    assert problem.key == "user_pools"
    assert "Kueue's controller and the Istio gateway" in problem.message
    assert placement_problems(settings) == []
