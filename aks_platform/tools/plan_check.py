"""The plan check: refuse a Terraform plan that deletes or replaces a protected resource.

    python -m aks_platform.tools.plan_check check <plan.json>...     make check-plan PLAN=<file>
    python -m aks_platform.tools.plan_check plan <stack>...          make deploy, per stack
    python -m aks_platform.tools.plan_check diff <stack>...          make diff: plan, but a stack whose
                                                               remote state is not there yet is skipped

`check` reads `terraform show -json <planfile>` output, Terraform's documented JSON plan format
("JSON Output Format", format_version 1.x): for each entry of `resource_changes`, `change.actions`
says what happens (["delete"], ["delete", "create"] or ["create", "delete"] for a replacement,
["update"] in place), `change.replace_paths` which attributes force the replacement and
`action_reason` why. A delete or replacement of a type in data/protected-resources.toml is
refused with its address and those attributes; in-place updates and creates pass.

`plan` runs, in cdktf.out/stacks/<stack>/, `terraform init`, `terraform plan -out=plan.tfplan`,
`terraform show -json plan.tfplan > plan.json` (and plan.txt, the readable plan), then `check` on
it: the same Terraform configuration and state `cdktf deploy` uses. ALLOW_REPLACE=1 prints the
refusal and passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aks_platform.immutable_fields import AGENT_POOLS, load_immutable_fields
from aks_platform.paths import DATA, ROOT
from aks_platform.tools.stack_state import not_yet_plannable

PROTECTED_FILE = DATA / "protected-resources.toml"
ALLOW_REPLACE = "ALLOW_REPLACE"
STACKS = ROOT / "cdktf.out" / "stacks"
PLAN_FILE = "plan.tfplan"
PLAN_JSON = "plan.json"
PLAN_TEXT = "plan.txt"
# Terraform 1.7+ also forgets: a `removed` block with destroy = false drops a resource from state and
# leaves it in Azure, unmanaged (hashicorp/terraform internal/plans: Forget, CreateThenForget,
# ForgetThenCreate, written as these action lists). Nothing is deleted, but Terraform loses the map of
# a protected resource, and the next plan of the environment may try to create it again.
DESTRUCTIVE = {
    ("delete",): "deleted",
    ("delete", "create"): "replaced (deleted, then created)",
    ("create", "delete"): "replaced (created, then the old one deleted)",
    ("forget",): "forgotten (dropped from Terraform's state; it stays in Azure, unmanaged)",
    ("create", "forget"): (
        "replaced by a new one while the old one is forgotten (it stays in Azure, unmanaged)"
    ),
    ("forget", "create"): "forgotten, then created anew (the old one stays in Azure, unmanaged)",
}


@dataclass(frozen=True)
class Protected:
    type: str
    why: str
    azure_type: str | None = None

    def matches(self, change: dict[str, Any]) -> bool:
        if change.get("type") != self.type:
            return False
        if self.azure_type is None:
            return True
        values = [change.get("change", {}).get(side) or {} for side in ("before", "after")]
        return any(str(value.get("type", "")).startswith(self.azure_type) for value in values)


@cache
def load_protected() -> tuple[Protected, ...]:
    document = tomllib.loads(PROTECTED_FILE.read_text(encoding="utf-8"))
    return tuple(Protected(**entry) for entry in document["protected"])


class PlanFormatError(ValueError):
    """Not `terraform show -json` output of a plan, or a format major version we do not read."""


def _path_text(path: Sequence[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def refusals(plan: dict[str, Any], protected: Sequence[Protected] | None = None) -> Iterator[str]:
    """One line per protected resource the plan deletes or replaces."""
    version = str(plan.get("format_version", ""))
    if not version.startswith("1.") or ("resource_changes" not in plan and "planned_values" not in plan):
        raise PlanFormatError(
            f"not a Terraform JSON plan of format 1.x (format_version {version or 'missing'}): give the "
            "output of terraform show -json <planfile>"
        )
    protected = load_protected() if protected is None else protected
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed":
            continue
        actions = tuple(change.get("change", {}).get("actions", ()))
        what = DESTRUCTIVE.get(actions)
        match = next((entry for entry in protected if entry.matches(change)), None)
        if what is None and match is not None:
            yield from immutable_changes(change)
        if what is None or match is None:
            continue
        line = f"{change.get('address')} would be {what}: {match.why}"
        if change.get("deposed"):
            line += f" (deposed object {change['deposed']})"
        reason = change.get("action_reason")
        if reason:
            line += f"; reason: {reason}"
        paths = change.get("change", {}).get("replace_paths") or []
        if paths:
            line += "; forced by " + ", ".join(_path_text(path) for path in paths)
        yield line


_MISSING = object()


def _at(value: Any, path: Sequence[str | int]) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return _MISSING
            value = value[step]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return _MISSING
    return value


def _pool_field_paths(change: dict[str, Any]) -> Iterator[tuple[str, tuple[str | int, ...], str]]:
    """(field name as shown, its path in before/after, source) of each immutable agent pool field
    the resource carries, for the pool kinds there are (data/immutable-pool-fields.toml)."""
    values = change.get("change", {})
    azure_type = str(
        (values.get("before") or {}).get("type") or (values.get("after") or {}).get("type") or ""
    )
    for field in load_immutable_fields():
        if change.get("type") == "azurerm_kubernetes_cluster_node_pool" and field.azurerm:
            yield field.azurerm, (field.azurerm,), field.source
        elif change.get("type") == "azurerm_kubernetes_cluster" and field.azurerm:
            yield (
                f"default_node_pool[0].{field.azurerm}",
                ("default_node_pool", 0, field.azurerm),
                field.source,
            )
        elif change.get("type") in ("azapi_resource", "azapi_update_resource") and azure_type.startswith(
            AGENT_POOLS
        ):
            yield f"body.{field.path}", ("body", *field.path.split(".")), field.source


def immutable_changes(change: dict[str, Any]) -> Iterator[str]:
    """An in-place update of a field AKS fixes when the pool is created: azurerm then rotates the
    pool (new nodes through temporary_name_for_rotation), or AKS refuses the change."""
    values = change.get("change", {})
    if tuple(values.get("actions", ())) != ("update",):
        return
    for shown, path, source in _pool_field_paths(change):
        before, after = _at(values.get("before"), path), _at(values.get("after"), path)
        unknown = _at(values.get("after_unknown"), path) is True
        if before is _MISSING or (after == before and not unknown):
            continue
        what = "a value known only at apply" if unknown else json.dumps(after)
        where = source.split(",")[0]
        yield (
            f"{change.get('address')} would change {shown} in place from {json.dumps(before)} to {what}: "
            f"AKS fixes it when the pool is created, so the pool's nodes are replaced or AKS refuses it "
            f"({where})"
        )


def check_files(files: Sequence[Path]) -> int:
    """Exit code: 0 when every plan passes (or ALLOW_REPLACE=1), 1 when one is refused, 2 on bad input."""
    refused = 0
    for file in files:
        try:
            plan = json.loads(file.read_text(encoding="utf-8"))
            lines = list(refusals(plan))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            hint = "" if isinstance(error, PlanFormatError) else ": give the output of terraform show -json"
            print(f"check-plan: {file}: {error}{hint}", file=sys.stderr)
            return 2
        for line in lines:
            print(f"check-plan: {file}: {line}", file=sys.stderr)
        refused += len(lines)
        if not lines:
            print(f"check-plan: {file}: no protected resource is deleted or replaced")
    if not refused:
        return 0
    if os.environ.get(ALLOW_REPLACE) == "1":
        print(
            f"check-plan: {ALLOW_REPLACE}=1: going on with {refused} deletion(s) or replacement(s)",
            file=sys.stderr,
        )
        return 0
    print(
        f"check-plan: refused: {refused} protected resource(s) would be deleted or replaced (see above); "
        "change the settings so that the plan updates them in place, or, if you mean it, run again "
        f"with {ALLOW_REPLACE}=1",
        file=sys.stderr,
    )
    return 1


def plan_stack(stack: str, stacks: Path = STACKS) -> Path:
    """terraform init, plan and show -json in the stack's folder; the JSON plan's path."""
    folder = stacks / stack
    if not (folder / "cdk.tf.json").is_file():
        raise FileNotFoundError(f"{folder}/cdk.tf.json is missing: run make synth first")
    for command in (
        ["terraform", "init", "-input=false"],
        ["terraform", "plan", "-input=false", f"-out={PLAN_FILE}"],
    ):
        subprocess.run(command, cwd=folder, check=True)
    shown = subprocess.run(
        ["terraform", "show", "-json", PLAN_FILE], cwd=folder, check=True, capture_output=True, text=True
    )
    (folder / PLAN_JSON).write_text(shown.stdout, encoding="utf-8")
    # For people and CI artifacts: the human-readable plan redacts sensitive values; plan.json and
    # plan.tfplan hold them in clear text.
    readable = subprocess.run(
        ["terraform", "show", "-no-color", PLAN_FILE], cwd=folder, check=True, capture_output=True, text=True
    )
    (folder / PLAN_TEXT).write_text(readable.stdout, encoding="utf-8")
    return folder / PLAN_JSON


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("check", "plan", "diff"):
        print(
            "usage: python -m aks_platform.tools.plan_check "
            "{check <plan.json>...|plan <stack>...|diff <stack>...}",
            file=sys.stderr,
        )
        return 2
    if argv[0] == "check":
        return check_files([Path(name) for name in argv[1:]])
    files = []
    for stack in argv[1:]:
        # make diff on a new environment: the workloads stack's plan needs the cluster's state.
        folder = STACKS / stack
        reason = not_yet_plannable(folder) if argv[0] == "diff" and folder.is_dir() else None
        if reason is not None:
            print(f"diff: {reason}")
            continue
        try:
            files.append(plan_stack(stack))
        except (FileNotFoundError, subprocess.CalledProcessError) as error:
            print(f"check-plan: {stack}: {error}", file=sys.stderr)
            return 2
    return check_files(files) if files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
