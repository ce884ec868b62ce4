"""checkov's kubernetes framework over every Kubernetes object a workloads stack applies, against a baseline.

The objects come from the synthesized workloads stack: each kubernetes_manifest's manifest, each
kubernetes_namespace_v1, and the objects a local chart renders from its values (charts/*: their
templates only emit `objects`). Charts fetched from a registry at deploy time (Kueue, the NVIDIA
DRA driver) cannot be rendered offline (no helm, no registry here): their objects are not scanned,
and `unscanned_charts` names them. Objects the cluster's operators create (Istio's gateway
Deployment, KAITO's inference pods) are not ours to scan either.

Accepted findings live in security/checkov-baseline/<environment>-kubernetes.toml, each with a
reason, in the format of the Terraform baseline (aks_platform/tools/security_scan.py); the gate fails on a
finding the baseline does not list and on an entry that no longer fails.

    python -m aks_platform.tools.kubernetes_scan [cdktf.out]   # `make scan` runs it after the Terraform scan
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from aks_platform import yaml_text
from aks_platform.naming import STACK_PREFIX, WORKLOADS_SUFFIX
from aks_platform.tools.security_scan import (
    Finding,
    GateResult,
    checkov_command,
    checkov_env,
    gate,
    print_gate,
)

BASELINE_SUFFIX = "-kubernetes"
Stack = dict[str, Any]
Manifest = dict[str, Any]


def applied_objects(workloads: Stack) -> list[Manifest]:
    """Every object the stack applies that can be known before deploy (see the module docstring)."""
    resources = workloads.get("resource", {})
    objects = [body["manifest"] for body in resources.get("kubernetes_manifest", {}).values()]
    for body in resources.get("kubernetes_namespace_v1", {}).values():
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": dict(body["metadata"])})
    for body in resources.get("helm_release", {}).values():
        if _local_chart(body):
            for values in body.get("values", []):
                objects.extend(yaml_text.load(values).get("objects", []))
    return objects


def embedded_pods(objects: list[Manifest]) -> list[Manifest]:
    """The pod templates inside custom resources, as Pods checkov can read: a KAITO Workspace's
    `inference.template` becomes the pod KAITO runs (named `<workspace>-inference`)."""
    pods = []
    for item in objects:
        template = (item.get("inference") or {}).get("template") if item["kind"] == "Workspace" else None
        if template:
            metadata = item["metadata"]
            pods.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": f"{metadata['name']}-inference", "namespace": metadata["namespace"]},
                    "spec": template["spec"],
                }
            )
    return pods


def scanned_objects(workloads: Stack) -> list[Manifest]:
    objects = applied_objects(workloads)
    return objects + embedded_pods(objects)


def unscanned_charts(workloads: Stack) -> list[str]:
    """Registry charts of the stack ("kueue 0.16.1 from <repository>"), whose objects are not scanned."""
    releases = workloads.get("resource", {}).get("helm_release", {})
    return sorted(
        f"{body['chart']} {body.get('version', '')} from {body['repository']}".replace("  ", " ")
        for body in releases.values()
        if not _local_chart(body)
    )


def _local_chart(release: dict[str, Any]) -> bool:
    return "repository" not in release


def scan(
    stacks: dict[str, Stack], env: dict[str, str] | None = None
) -> dict[str, tuple[frozenset[Finding], int]]:
    """Failed findings ("Kind.namespace.name") and the passed count per environment, one checkov run."""
    with tempfile.TemporaryDirectory(prefix="k8s-scan-") as folder:
        files: dict[Path, str] = {}
        for environment, workloads in stacks.items():
            path = Path(folder) / f"{environment}.yaml"
            path.write_text(yaml.safe_dump_all(scanned_objects(workloads), sort_keys=True), encoding="utf-8")
            files[path.resolve()] = environment
        command = [*checkov_command(), "--output", "json"]
        command[command.index("terraform_json")] = "kubernetes"
        for path in files:
            command += ["--file", str(path)]
        result = subprocess.run(
            command, capture_output=True, text=True, env={**checkov_env(), **(env or {})}, check=False
        )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({result.returncode}):\n{result.stderr[-2000:]}")
    reports = json.loads(result.stdout) if result.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    failed: dict[str, set[Finding]] = {name: set() for name in stacks}
    passed: dict[str, int] = dict.fromkeys(stacks, 0)
    for report in reports:
        results = report.get("results", {})
        for check in results.get("passed_checks", []):
            passed[_environment(check, files)] += 1
        for check in results.get("failed_checks", []):
            failed[_environment(check, files)].add(Finding(check["check_id"], check["resource"]))
    return {name: (frozenset(failed[name]), passed[name]) for name in stacks}


def _environment(check: dict[str, Any], files: dict[Path, str]) -> str:
    reported = str(check.get("file_abs_path") or check.get("file_path") or "")
    for path, name in files.items():
        if reported == str(path) or reported.endswith(path.name):
            return name
    raise RuntimeError(f"checkov reported a file we did not scan: {reported}")


def kubernetes_gate(environment: str, failed: frozenset[Finding], passed_count: int) -> GateResult:
    return gate(f"{environment}{BASELINE_SUFFIX}", failed, passed_count)


def workloads_stacks(out: Path) -> dict[str, Stack]:
    """The synthesized workloads stacks under <out>/stacks, by environment."""
    found = {}
    prefix, suffix = f"{STACK_PREFIX}-", WORKLOADS_SUFFIX
    for path in sorted((out / "stacks").glob(f"{prefix}*{suffix}/cdk.tf.json")):
        environment = path.parent.name.removeprefix(prefix).removesuffix(suffix)
        found[environment] = json.loads(path.read_text(encoding="utf-8"))
    return found


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "cdktf.out")
    stacks = workloads_stacks(out)
    if not stacks:
        print(f"no workloads stacks under {out}/stacks: run make synth first", file=sys.stderr)
        return 2
    ok = True
    print("\nKubernetes objects (security/checkov-baseline/<environment>-kubernetes.toml):")
    for environment, (failed, passed_count) in scan(stacks).items():
        result = kubernetes_gate(environment, failed, passed_count)
        print_gate(environment, result)
        for chart in unscanned_charts(stacks[environment]):
            print(f"    not scanned (a registry chart, not renderable offline): {chart}")
        ok = ok and result.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
