"""The security gate: checkov on every environment's stack, against its reasoned baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import environment_settings, synth_environment

from aks_platform.environments import environment_files
from aks_platform.security_scan import Finding, gate, load_baseline, run_checkov

ENVIRONMENTS = sorted(environment_files())
# Baselines are per stack: "<environment>" for the cluster, "<environment>-workloads".
STACKS = [name for environment in ENVIRONMENTS for name in (environment, f"{environment}-workloads")]


@pytest.fixture(scope="session")
def scans(tmp_path_factory: pytest.TempPathFactory, dev_stacks, prod_stacks):
    """One checkov run over every synthesized stack of every environment."""
    known = {"dev": dev_stacks, "prod": prod_stacks}
    folder = tmp_path_factory.mktemp("scan")
    files: dict[str, Path] = {}
    for environment in ENVIRONMENTS:
        cluster, workloads = known.get(environment) or synth_environment(environment)
        for name, stack in ((environment, cluster), (f"{environment}-workloads", workloads)):
            path = folder / f"ai-conformant-aks-{name}" / "cdk.tf.json"
            path.parent.mkdir()
            path.write_text(json.dumps(stack, indent=2))
            files[name] = path
    return run_checkov(files)


@pytest.mark.subprocess
@pytest.mark.parametrize("stack", STACKS)
def test_no_finding_outside_the_baseline(scans, stack: str) -> None:
    failed, passed = scans[stack]
    result = gate(stack, failed, passed)
    if not stack.endswith("-workloads"):
        # checkov has AKS checks; none of its terraform_json checks cover helm or manifests yet.
        assert passed > 0, "checkov evaluated nothing: wrong framework?"
    assert result.new == (), f"new checkov findings in {stack}: {result.new}"


@pytest.mark.subprocess
@pytest.mark.parametrize("stack", STACKS)
def test_no_stale_exception(scans, stack: str) -> None:
    failed, passed = scans[stack]
    assert gate(stack, failed, passed).stale == ()


def test_gate_fails_on_a_new_finding() -> None:
    new = Finding("CKV_AZURE_999", "azurerm_kubernetes_cluster.aks")
    accepted = frozenset(entry.finding for entry in load_baseline("prod"))
    result = gate("prod", accepted | {new}, 10)
    assert not result.ok
    assert result.new == (new,)


def test_gate_fails_on_a_stale_exception() -> None:
    result = gate("prod", frozenset(), 10)
    assert not result.ok
    assert [entry.check for entry in result.stale] == ["CKV_AZURE_115"]


def test_dev_exceptions_are_all_parity_with_main_tf() -> None:
    baseline = load_baseline("dev")
    assert baseline
    assert all(entry.reason.startswith("parity with main.tf") for entry in baseline)


@pytest.mark.subprocess
def test_prod_hardening_turns_dev_findings_off(scans) -> None:
    """Everything dev accepts for parity, prod fixes, except the one reasoned exception."""
    prod_failed, _ = scans["prod"]
    assert {finding.check for finding in prod_failed} == {"CKV_AZURE_115"}
    assert all(entry.reason.strip() for entry in load_baseline("prod"))
    prod = environment_settings("prod")
    assert prod.cluster.local_account_disabled and prod.cluster.entra_id_rbac is not None
    assert prod.cluster.api_server_authorized_ip_ranges
