"""The KAITO version a Workspace needs, and the version the AKS add-on actually runs on a cluster.

data/kaito.toml gives each admission rule the first release it holds in (`since`). Two of them
decide the oldest KAITO that serves our Workspace as meant:
- hugging-face-preset: a preset named by a Hugging Face id (org/name) is admitted from v0.9.0; an
  older KAITO refuses it as an unsupported preset name;
- inference-statefulset: from v0.8.0 KAITO serves a workspace from a StatefulSet, the kind Kueue's
  statefulset integration (the one this repository turns on) queues; before, a Deployment.
The add-on's version is not published with AKS releases, so `make deploy` and `make diff` read it
off the cluster (the image tag of the add-on's controller Deployment, kube-system/kaito-workspace)
once the cluster exists, and refuse a Workspace that version would not admit.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aks_platform import manifests
from aks_platform.settings import EnvironmentSettings

VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")
IMAGE_TAG = re.compile(r":v?(\d+\.\d+\.\d+)(?:[-+@][^/]*)?$")
HUGGING_FACE_ID = re.compile(r"^[^/]+/[^/]+$")


def parse(version: str) -> tuple[int, int, int]:
    match = VERSION.match(version)
    if match is None:
        raise ValueError(f"not a KAITO version: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def rule_since(rule_id: str) -> str:
    for rule in manifests.kaito_facts()["rules"]:
        if rule["id"] == rule_id:
            return str(rule["since"])
    raise LookupError(f"data/kaito.toml has no rule {rule_id}")


def needs(workspace: dict[str, Any], *, queued: bool) -> list[tuple[str, str]]:
    """(version, why) for each rule that sets a floor for this Workspace; `queued`: Kueue governs it."""
    floors = []
    preset = workspace.get("inference", {}).get("preset", {}).get("name", "")
    if HUGGING_FACE_ID.match(preset):
        floors.append(
            (
                rule_since("hugging-face-preset"),
                f"its preset {preset} is a Hugging Face model id (rule hugging-face-preset)",
            )
        )
    if queued:
        floors.append(
            (
                rule_since("inference-statefulset"),
                "Kueue queues its StatefulSet, which KAITO creates from v0.8.0 (rule inference-statefulset)",
            )
        )
    return floors


def required_version(workspace: dict[str, Any], *, queued: bool) -> str | None:
    floors = needs(workspace, queued=queued)
    return max((version for version, _ in floors), key=parse) if floors else None


def version_from_image(image: str) -> str | None:
    """The KAITO version in a controller image reference (…/workspace:0.6.0), or None."""
    match = IMAGE_TAG.search(image.strip())
    return f"v{match.group(1)}" if match else None


@dataclass(frozen=True)
class Reading:
    version: str | None
    detail: str  # the image read, or why nothing was read


def _run(command: list[str]) -> subprocess.CompletedProcess[str] | None:
    if shutil.which(command[0]) is None:
        return None
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def read_addon_version(resource_group: str, cluster: str) -> Reading:
    """The add-on's KAITO version, from the image of kube-system/kaito-workspace on the cluster."""
    facts = manifests.kaito_facts()
    shown = _run(
        ["az", "aks", "show", "--resource-group", resource_group, "--name", cluster, "--output", "json"]
    )
    if shown is None or shown.returncode != 0 or f'"{cluster}"' not in shown.stdout:
        return Reading(None, f"cluster {cluster} not found in {resource_group} (not deployed yet)")
    with tempfile.TemporaryDirectory(prefix="kaito-version-") as folder:
        kubeconfig = str(Path(folder) / "config")
        credentials = ["get-credentials", "--resource-group", resource_group, "--name", cluster]
        fetched = _run(["az", "aks", *credentials, "--file", kubeconfig, "--overwrite-existing"])
        if fetched is None or fetched.returncode != 0:
            return Reading(None, f"az aks get-credentials failed for {cluster}")
        # Entra ID clusters: sign kubectl in as the az CLI's identity (a no-op elsewhere).
        _run(["kubelogin", "convert-kubeconfig", "--login", "azurecli", "--kubeconfig", kubeconfig])
        deployment = [facts["controller_deployment"], "--namespace", facts["controller_namespace"]]
        jsonpath = "jsonpath={.spec.template.spec.containers[0].image}"
        image = _run(
            ["kubectl", "--kubeconfig", kubeconfig, "get", "deployment", *deployment, "--output", jsonpath]
        )
    if image is None:
        return Reading(None, "kubectl is not installed (az aks install-cli)")
    if image.returncode != 0 or not image.stdout.strip():
        where = f"{facts['controller_namespace']}/{facts['controller_deployment']}"
        return Reading(None, f"no {where} Deployment readable on {cluster}")
    found = image.stdout.strip()
    return Reading(version_from_image(found), found)


def version_problems(label: str, settings: EnvironmentSettings, reading: Reading) -> list[str]:
    """What the running add-on would refuse or not queue, in one line each."""
    workloads = settings.workloads
    if not (workloads.enabled and workloads.kaito_workspace.enabled) or reading.version is None:
        return []
    workspace = manifests.kaito_workspace(workloads.kaito_workspace)
    queued = workloads.gang_scheduling.enabled
    return [
        f"{label}: the cluster's KAITO add-on runs {reading.version} (image {reading.detail}), and the "
        f"Workspace needs {version}: {why}; change workloads.kaito_workspace (a built-in preset name, or "
        'runtime = "template") or wait until AKS ships a newer KAITO'
        for version, why in needs(workspace, queued=queued)
        if parse(reading.version) < parse(version)
    ]
