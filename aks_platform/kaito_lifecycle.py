"""The KAITO Workspace's life in Terraform: replaced where KAITO refuses an update, nodes gone on removal.

- KAITO's webhook refuses updates to the fields of data/kaito-update-rules.toml (count, instance
  type, label selector, the preset, setting or unsetting the template). The Workspace's Helm
  release is named after a digest of those fields, so changing one replaces the release: Terraform
  deletes the Workspace, Helm waits until it is gone, and the new one is created, where an in-place
  update would be rejected at apply. Other fields (the template's image, args, requests) update in place.
- KAITO provisions the Workspace's GPU nodes as AKS node pools outside Terraform; deleting the
  Workspace only starts their removal (AKS ai-toolchain-operator.md, "Clean up resources"). A
  terraform_data the release depends on runs aks_platform/kaito_nodes.py when it is destroyed,
  after the Workspace: it waits until the pools are gone and deletes those left.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from collections.abc import Mapping
from typing import Any

from aks_platform.paths import DATA

UPDATE_RULES = DATA / "kaito-update-rules.toml"
RELEASE_PREFIX = "kaito-workspace-"
DIGEST_LENGTH = 12
# Seconds Helm waits on the Workspace's release; on delete that is until KAITO's finalizer has
# deleted the Workspace's node claims and let it go (Helm's default is 300).
RELEASE_TIMEOUT = 1800
MISSING = object()


@functools.cache
def immutable_fields() -> tuple[tuple[str, str], ...]:
    """(path, compare) of every field KAITO refuses to update, from data/kaito-update-rules.toml."""
    document = tomllib.loads(UPDATE_RULES.read_text(encoding="utf-8"))
    return tuple((entry["path"], entry["compare"]) for entry in document["immutable"])


def _at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return MISSING
        value = value[key]
    return value


def immutable_view(workspace: Mapping[str, Any]) -> dict[str, Any]:
    """What KAITO compares on update, plus the object's identity (a new name is a new object)."""
    view: dict[str, Any] = {
        "identity": [
            workspace["apiVersion"],
            workspace["kind"],
            workspace["metadata"].get("namespace"),
            workspace["metadata"]["name"],
        ],
    }
    for path, compare in immutable_fields():
        value = _at(workspace, path)
        if compare == "presence":
            view[path] = value is not MISSING and value is not None
        else:
            view[path] = None if value is MISSING else value
    return view


def immutable_digest(workspace: Mapping[str, Any]) -> str:
    canonical = json.dumps(immutable_view(workspace), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:DIGEST_LENGTH]


def release_name(workspace: Mapping[str, Any]) -> str:
    """The Workspace's Helm release: `kaito-workspace-<digest>` (28 characters; Helm allows 53)."""
    return RELEASE_PREFIX + immutable_digest(workspace)


# The destroy-time command. Its values come from the terraform_data's input through the
# environment (self.input): a destroy-time provisioner may refer only to the instance it destroys.
NODES_GONE_COMMAND = (
    'python -m aks_platform.kaito_nodes --cluster "$AKS_CLUSTER" '
    '--workspace "$KAITO_WORKSPACE_NAMESPACE/$KAITO_WORKSPACE_NAME" --delete-left'
)
NODES_GONE_ENVIRONMENT = {
    "AKS_CLUSTER": "${self.input.cluster}",
    "KAITO_WORKSPACE_NAMESPACE": "${self.input.namespace}",
    "KAITO_WORKSPACE_NAME": "${self.input.workspace}",
}
