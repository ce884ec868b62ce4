"""CRDs before the plan: every custom resource reaches the cluster through a release planned
without its CRD, installed only after a wait for that CRD (aks_platform/cluster_objects.py)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import Stack, resources, synth_environment
from stack_objects import chart_objects

from aks_platform import crd_wait, yaml_text
from aks_platform.cluster_access import http_fetch, parse_kubeconfig
from aks_platform.cluster_objects import OBJECTS_CHART, api_group, crd_table, required_crds
from aks_platform.manifests import ManifestError

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "crds"


def _object_releases(stack: Stack) -> dict[str, dict]:
    return {
        name: body
        for name, body in resources(stack, "helm_release").items()
        if body["chart"] == OBJECTS_CHART
    }


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_no_object_needs_its_crd_when_terraform_plans(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    """kubernetes_manifest needs the kind at plan time (hashicorp/kubernetes v2.38.0
    manifest/provider/plan.go: "API did not recognize GroupVersionKind from manifest"); a
    helm_release does not. So no kubernetes_manifest may hold a kind outside the built-in groups."""
    stack = {"dev": dev_workloads, "prod": prod_workloads}[environment]
    builtin, _ = crd_table()
    for name, body in resources(stack, "kubernetes_manifest").items():
        assert api_group(body["manifest"]["apiVersion"]) in builtin, f"kubernetes_manifest.{name}"
    # The releases do not ask the cluster at plan time: the helm provider's `manifest`
    # experiment (a dry run against the cluster) stays off.
    assert "experiments" not in stack["provider"]["helm"][0]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_each_release_installs_only_after_its_crds_are_established(
    environment: str, dev_stack: Stack, dev_workloads: Stack, prod_stack: Stack, prod_workloads: Stack
) -> None:
    cluster, stack = {"dev": (dev_stack, dev_workloads), "prod": (prod_stack, prod_workloads)}[environment]
    cluster_name = next(iter(resources(cluster, "azurerm_kubernetes_cluster").values()))["name"]
    waits = resources(stack, "terraform_data")
    releases = _object_releases(stack)
    assert {"kaito_workspace", "inference_routing", "kueue_queues"} <= set(releases)
    kinds = set()
    for name, release in releases.items():
        objects = chart_objects(release)
        kinds |= {item["kind"] for item in objects}
        needed = required_crds(objects)
        if not needed:
            # Built-in kinds only (dev's NetworkPolicies): nothing to wait for, and no wait.
            assert not [a for a in release.get("depends_on", []) if a.endswith("_crds")], name
            continue
        (wait,) = [
            address
            for address in release["depends_on"]
            if address.startswith("terraform_data.") and address.endswith("_crds")
        ]
        body = waits[wait.split(".", 1)[1]]
        assert body["triggers_replace"]["crds"] == needed, name
        (provisioner,) = body["provisioner"]
        command = provisioner["local-exec"]["command"].split()
        assert command[:3] == ["python", "-m", "aks_platform.crd_wait"]
        assert command[command.index("--cluster") + 1] == cluster_name
        assert command[-len(needed) :] == needed
        assert "when" not in provisioner["local-exec"], "the wait runs on create, before the install"
    assert {"Workspace", "Gateway", "HTTPRoute", "ResourceFlavor", "ClusterQueue", "LocalQueue"} <= kinds


def test_prod_waits_as_the_entra_identity_and_dev_with_the_cluster_user(
    dev_workloads: Stack, prod_workloads: Stack
) -> None:
    for stack, auth in ((dev_workloads, "local"), (prod_workloads, "entra")):
        for body in resources(stack, "terraform_data").values():
            if "provisioner" not in body:
                continue  # terraform_data.cluster_access holds the cluster stack's wait only
            command = body["provisioner"][0]["local-exec"]["command"]
            if "crd_wait" in command:
                assert f"--auth {auth}" in command


def test_an_object_of_an_unlisted_kind_is_an_error_at_synth() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    with pytest.raises(
        ManifestError, match=r"Widget \(example.com/v1\) w: no CRD listed .*data/cluster-crds.toml"
    ):
        required_crds([unknown])
    assert required_crds([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}]) == []


def test_a_kind_added_to_a_release_adds_its_crd_to_the_wait() -> None:
    """The wait's triggers_replace holds the CRD names, so a new kind runs the wait again."""
    from aks_platform.cluster_objects import ObjectsApplier

    applier = ObjectsApplier(cluster_name="aks-x", auth="entra")
    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "g"}}
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r"}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    one = applier.props([gateway, service], namespace="n", release_name="r")
    two = applier.props([gateway, route, service], namespace="n", release_name="r")
    assert one.crd_wait is not None and two.crd_wait is not None
    assert list(one.crd_wait.crds) == ["gateways.gateway.networking.k8s.io"]
    assert list(two.crd_wait.crds) == [
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
    ]
    assert applier.props([service], namespace="n", release_name="r").crd_wait is None


def test_without_routing_there_is_no_routing_release_nor_wait() -> None:
    from conftest import environment_settings

    from aks_platform.settings import InferenceRoutingSettings

    workloads = environment_settings("dev").workloads.model_copy(
        update={"inference_routing": InferenceRoutingSettings(enabled=False)}
    )
    _, without = synth_environment("dev", workloads=workloads)
    assert "inference_routing_crds" not in resources(without, "terraform_data")
    assert "inference_routing" not in resources(without, "helm_release")
    # ...and the old manifests are not forgotten either: with the feature off, Terraform deletes them.
    assert all("inference" not in block["from"] for block in without.get("removed", []))


def _reference_crds() -> dict[str, dict]:
    found = {}
    for path in sorted(REFERENCE.glob("*.yaml")):
        for document in yaml_text.load_all(path.read_text(encoding="utf-8")):
            if document and document.get("kind") == "CustomResourceDefinition":
                found[document["metadata"]["name"]] = document
    return found


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="needs ../shared/reference/crds (upstream CRDs)")
def test_the_crd_table_names_each_crd_as_upstream_does() -> None:
    reference = _reference_crds()
    _, crds = crd_table()
    checked = 0
    for (group, kind), crd in crds.items():
        if crd.name not in reference:
            # The metrics add-on's and the Secrets Store CSI driver's CRDs have no copy in the reference.
            assert group in ("azmonitoring.coreos.com", "secrets-store.csi.x-k8s.io"), (
                f"{crd.name}: no upstream CRD to compare with"
            )
            continue
        spec = reference[crd.name]["spec"]
        assert (spec["group"], spec["names"]["kind"]) == (group, kind)
        assert crd.name == f"{spec['names']['plural']}.{spec['group']}"
        checked += 1
    assert checked >= 9


# --- the wait itself -----------------------------------------------------------------------------

ESTABLISHED = {
    "status": {
        "conditions": [{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}]
    }
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_wait_retries_not_found_and_forbidden_until_established() -> None:
    answers = {
        "workspaces.kaito.sh": [(404, None), (403, None), (200, {"status": {}}), (200, ESTABLISHED)],
        "gateways.gateway.networking.k8s.io": [(200, ESTABLISHED)],
    }
    asked: list[str] = []

    def fetch(path: str):
        name = path.removeprefix(crd_wait.CRD_PATH)
        asked.append(name)
        queue = answers[name]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    clock, lines = FakeClock(), []
    missing = crd_wait.wait_for(
        list(answers), fetch, timeout=600, clock=clock, sleep=clock.sleep, report=lines.append
    )
    assert missing == {}
    assert asked.count("gateways.gateway.networking.k8s.io") == 1, "an Established CRD is not asked again"
    assert asked.count("workspaces.kaito.sh") == 4
    assert any("propagating" in line for line in lines)


def test_the_wait_gives_up_at_the_timeout_and_says_why() -> None:
    clock = FakeClock()
    missing = crd_wait.wait_for(
        ["httproutes.gateway.networking.k8s.io"],
        lambda path: (404, None),
        timeout=60,
        interval=10,
        clock=clock,
        sleep=clock.sleep,
        report=lambda line: None,
    )
    assert missing == {"httproutes.gateway.networking.k8s.io": "is not installed yet (404)"}
    assert clock.now == 60


def test_established_needs_the_condition_true() -> None:
    assert crd_wait.established(ESTABLISHED)
    assert not crd_wait.established({"status": {"conditions": [{"type": "Established", "status": "False"}]}})
    assert not crd_wait.established(None)


def test_the_wait_reads_the_crd_over_http() -> None:
    """The fetch against a real HTTP server: the path, the bearer token, the JSON body."""
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            found = self.path.endswith("/workspaces.kaito.sh")
            body = json.dumps(ESTABLISHED if found else {"kind": "Status"}).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        fetch = http_fetch(f"http://127.0.0.1:{server.server_port}", None, token="t0ken")
        missing = crd_wait.wait_for(
            ["workspaces.kaito.sh", "gateways.gateway.networking.k8s.io"],
            fetch,
            timeout=0,
            report=lambda line: None,
        )
    finally:
        server.shutdown()
    assert missing == {"gateways.gateway.networking.k8s.io": "is not installed yet (404)"}
    assert seen[0] == (crd_wait.CRD_PATH + "workspaces.kaito.sh", "Bearer t0ken")


def test_the_kubeconfig_az_writes_gives_server_ca_and_client_certificate() -> None:
    import base64

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    config = parse_kubeconfig(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: c\n  cluster:\n    server: https://c.hcp.example:443\n"
        f"    certificate-authority-data: {b64('CA')}\n"
        f"users:\n- name: u\n  user:\n    client-certificate-data: {b64('CERT')}\n"
        f"    client-key-data: {b64('KEY')}\n"
    )
    assert (config.server, config.ca_pem, config.client_cert_pem, config.client_key_pem) == (
        "https://c.hcp.example:443",
        b"CA",
        b"CERT",
        b"KEY",
    )


def test_the_command_reports_each_crd_it_gave_up_on(monkeypatch, capsys) -> None:
    from aks_platform import crd_wait as module

    answers = {"workspaces.kaito.sh": (200, ESTABLISHED), "gateways.gateway.networking.k8s.io": (403, None)}
    monkeypatch.setattr(
        module, "cluster_fetch", lambda cluster, auth, folder: lambda path: answers[path.rsplit("/", 1)[1]]
    )
    monkeypatch.setattr(module, "INTERVAL", 0)
    argv = ["--cluster", "aks-x", "--auth", "entra", "--timeout", "0", *answers]
    assert module.main(argv) == 1
    err = capsys.readouterr().err
    assert "gateways.gateway.networking.k8s.io cannot be read yet (403)" in err
    assert "workspaces.kaito.sh" not in err
