"""The security gate: checkov on every environment's stack, against its reasoned baseline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import environment_settings, synth_environment

from aks_platform.environments import environment_files
from aks_platform.security_scan import Finding, gate, load_baseline, run_checkov

ENVIRONMENTS = sorted(environment_files())
# Baselines are per stack: "<environment>" for the cluster, "<environment>-workloads".
STACKS = [name for environment in ENVIRONMENTS for name in (environment, f"{environment}-workloads")]


class ConnectionRecorder:
    """A TCP listener on loopback that counts the connections made to it (a stand-in proxy)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.connections = 0
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen()
        self._server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:

        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()


@pytest.fixture(scope="session")
def proxy():
    recorder = ConnectionRecorder()
    yield recorder
    recorder.close()


@pytest.fixture(scope="session")
def scans(tmp_path_factory: pytest.TempPathFactory, dev_stacks, prod_stacks, proxy):
    """One checkov run over every synthesized stack of every environment, every proxy pointed at a
    local listener that counts connections: any call to the network shows up there."""
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
    variables = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy")
    saved = {name: os.environ.get(name) for name in (*variables, "XDG_CACHE_HOME")}
    os.environ.update({name: proxy.url for name in variables[:4]} | {"NO_PROXY": "", "no_proxy": ""})
    # An empty cache: checkov's update check caches its answer for an hour, which would hide a call.
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("checkov-cache"))
    try:
        return run_checkov(files)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.subprocess
def test_the_scan_makes_no_network_call(scans, proxy) -> None:
    assert proxy.connections == 0


def test_the_connection_recorder_sees_a_call(proxy) -> None:
    """The check above can fail: a request through the proxy variables reaches the recorder."""
    import urllib.request

    before = proxy.connections
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": proxy.url, "http": proxy.url}))
    with pytest.raises(OSError):
        opener.open("https://pypi.org/pypi/checkov/json", timeout=2)
    assert proxy.connections == before + 1


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
