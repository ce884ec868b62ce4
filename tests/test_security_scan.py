"""The security gate: checkov on every environment's stack, against its reasoned baseline."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from commands import Run
from conftest import environment_settings

from aks_platform.environments import environment_files
from aks_platform.tools.security_scan import Finding, gate, load_baseline

ENVIRONMENTS = sorted(environment_files())
# Baselines are per stack: "<environment>" for the cluster, "<environment>-workloads".
STACKS = [name for environment in ENVIRONMENTS for name in (environment, f"{environment}-workloads")]


class ConnectionRecorder:
    """A TCP listener on loopback that counts the connections made to it (a stand-in proxy)."""

    def __init__(self) -> None:
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
def proxy() -> Iterator[ConnectionRecorder]:
    recorder = ConnectionRecorder()
    yield recorder
    recorder.close()


@pytest.fixture(scope="session")
def scans(make_synth_run: Run, proxy: ConnectionRecorder, tmp_path_factory: pytest.TempPathFactory):
    """One checkov run over every environment's stacks from `make synth`, with every proxy
    pointed at a local listener that counts connections and an empty update cache."""
    from aks_platform.tools.security_scan import run_checkov

    stacks = make_synth_run.check().out / "stacks"
    files = {
        path.parent.name.removeprefix("ai-conformant-aks-"): path
        for path in sorted(stacks.glob("*/cdk.tf.json"))
    }
    proxies = {name: proxy.url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    cache = tmp_path_factory.mktemp("checkov-cache")
    return run_checkov(files, env={**proxies, "NO_PROXY": "", "no_proxy": "", "XDG_CACHE_HOME": str(cache)})


@pytest.mark.subprocess
def test_the_scan_makes_no_network_call(scans, proxy: ConnectionRecorder) -> None:
    assert proxy.connections == 0


def test_the_connection_recorder_sees_a_call() -> None:
    """The check above can fail: a request through the proxy variables reaches a recorder."""
    import urllib.request

    recorder = ConnectionRecorder()
    try:
        handler = urllib.request.ProxyHandler({"https": recorder.url, "http": recorder.url})
        with pytest.raises(OSError):
            urllib.request.build_opener(handler).open("https://pypi.org/pypi/checkov/json", timeout=2)
    finally:
        recorder.close()
    assert recorder.connections == 1


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
