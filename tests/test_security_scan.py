"""The security gate: checkov on every environment's stack, against its reasoned baseline."""

from __future__ import annotations

import background
import pytest
from conftest import environment_settings

from aks_platform.environments import environment_files
from aks_platform.security_scan import Finding, gate, load_baseline

ENVIRONMENTS = sorted(environment_files())
# Baselines are per stack: "<environment>" for the cluster, "<environment>-workloads".
STACKS = [name for environment in ENVIRONMENTS for name in (environment, f"{environment}-workloads")]


@pytest.fixture(scope="session")
def scans(jobs):
    """One checkov run (a background job) over every environment's stacks from `make synth`, with
    every proxy pointed at a local listener that counts connections and an empty update cache."""
    return jobs.get("checkov")


@pytest.mark.subprocess("checkov")
def test_the_scan_makes_no_network_call(scans, proxy) -> None:
    assert proxy.connections == 0


def test_the_connection_recorder_sees_a_call() -> None:
    """The check above can fail: a request through the proxy variables reaches a recorder."""
    import urllib.request

    recorder = background.ConnectionRecorder()
    try:
        handler = urllib.request.ProxyHandler({"https": recorder.url, "http": recorder.url})
        with pytest.raises(OSError):
            urllib.request.build_opener(handler).open("https://pypi.org/pypi/checkov/json", timeout=2)
    finally:
        recorder.close()
    assert recorder.connections == 1


@pytest.mark.subprocess("checkov")
@pytest.mark.parametrize("stack", STACKS)
def test_no_finding_outside_the_baseline(scans, stack: str) -> None:
    failed, passed = scans[stack]
    result = gate(stack, failed, passed)
    if not stack.endswith("-workloads"):
        # checkov has AKS checks; none of its terraform_json checks cover helm or manifests yet.
        assert passed > 0, "checkov evaluated nothing: wrong framework?"
    assert result.new == (), f"new checkov findings in {stack}: {result.new}"


@pytest.mark.subprocess("checkov")
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


@pytest.mark.subprocess("checkov")
def test_prod_hardening_turns_dev_findings_off(scans) -> None:
    """Everything dev accepts for parity, prod fixes, except the one reasoned exception."""
    prod_failed, _ = scans["prod"]
    assert {finding.check for finding in prod_failed} == {"CKV_AZURE_115"}
    assert all(entry.reason.strip() for entry in load_baseline("prod"))
    prod = environment_settings("prod")
    assert prod.cluster.local_account_disabled and prod.cluster.entra_id_rbac is not None
    assert prod.cluster.api_server_authorized_ip_ranges
