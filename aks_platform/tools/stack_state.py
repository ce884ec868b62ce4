"""Whether a synthesized stack can be planned yet: the states its terraform_remote_state reads.

The workloads stack reads the cluster stack's outputs through `terraform_remote_state` (cdktf's
cross-stack references). Before the cluster stack has ever been applied that state does not exist,
and `terraform plan` stops with "Unable to find remote state"; after a destroy it exists without
outputs, and the plan stops on the missing attributes. So `make diff` plans such a stack only once
the state it reads holds outputs, and otherwise says that its plan follows the cluster's deploy.

What is read is what Terraform would read, from the stack's own cdk.tf.json: the `local` backend's
file (relative to the stack's folder), or for `azurerm` the blob, downloaded with the Azure CLI
(signed-in identity, `--auth-mode login`). Another backend, or an answer that says nothing either
way, counts as present: Terraform's plan then reports what it finds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RemoteState:
    name: str
    backend: str
    where: str
    state: dict[str, Any] | str | None
    'The state document, or None when it does not exist; "unknown" when it could not be read.'

    @property
    def has_outputs(self) -> bool:
        return self.state == "unknown" or bool(isinstance(self.state, dict) and self.state.get("outputs"))


def _local(folder: Path, config: dict[str, Any]) -> tuple[str, dict[str, Any] | str | None]:
    path = folder / config.get("path", "terraform.tfstate")
    where = config.get("path", "terraform.tfstate")
    if not path.is_file():
        return where, None
    try:
        return where, json.loads(path.read_text(encoding="utf-8") or "null")
    except ValueError:
        return where, "unknown"


def _azurerm(config: dict[str, Any]) -> tuple[str, dict[str, Any] | str | None]:
    account, container, key = (
        config.get("storage_account_name"),
        config.get("container_name"),
        config.get("key"),
    )
    where = f"{account}/{container}/{key}"
    if not (account and container and key) or shutil.which("az") is None:
        return where, "unknown"
    with tempfile.TemporaryDirectory(prefix="remote-state-") as folder:
        target = Path(folder) / "state.json"
        command = [
            "az",
            "storage",
            "blob",
            "download",
            "--account-name",
            account,
            "--container-name",
            container,
            "--name",
            key,
            "--file",
            str(target),
            "--auth-mode",
            "login",
            "--only-show-errors",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            return where, None if "BlobNotFound" in result.stderr else "unknown"
        try:
            return where, json.loads(target.read_text(encoding="utf-8") or "null")
        except ValueError:
            return where, "unknown"


def remote_states(folder: Path) -> list[RemoteState]:
    """Every terraform_remote_state of the stack in `folder` (cdk.tf.json), with what it would read."""
    document = json.loads((folder / "cdk.tf.json").read_text(encoding="utf-8"))
    found = []
    for name, source in sorted(document.get("data", {}).get("terraform_remote_state", {}).items()):
        backend, config = source.get("backend", "local"), source.get("config", {})
        if backend == "local":
            where, state = _local(folder, config)
        elif backend == "azurerm":
            where, state = _azurerm(config)
        else:
            where, state = backend, "unknown"
        found.append(RemoteState(name, backend, where, state))
    return found


def not_yet_plannable(folder: Path) -> str | None:
    """Why the stack in `folder` cannot be planned yet, or None when it can."""
    missing = [state for state in remote_states(folder) if not state.has_outputs]
    if not missing:
        return None
    stacks = ", ".join(state.name.removeprefix("cross-stack-reference-input-") for state in missing)
    how = "has never been applied" if all(state.state is None for state in missing) else "has no outputs"
    return (
        f"{folder.name}: not planned: it reads the state of {stacks}, which {how} "
        f"({', '.join(state.where for state in missing)}). Its plan follows once the cluster exists: "
        f"make deploy deploys {stacks} first, then plans and deploys {folder.name}."
    )
