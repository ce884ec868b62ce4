"""Checks before `make deploy`, `make diff` and `make destroy`, before anything is synthesized.

Each failure is one line that says what to do. The checks read the environment and run the
tools' own version and account commands, so they run without Azure in tests (fakes on PATH).

    python -m aks_platform.tools.preflight deploy dev,prod
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aks_platform.environments import (
    ENVIRONMENTS_DIR,
    environment_files,
    environment_label,
    load_environment,
)
from aks_platform.naming import Naming
from aks_platform.settings import LocalBackendSettings
from aks_platform.tools import kaito_version
from aks_platform.tools.preflight_identity import identity_problems

# 1.7: the workloads stack's `removed` blocks (forgetting resources without destroying them).
MIN_TERRAFORM = (1, 7)
RESOURCE_GROUP_VARIABLE = "TF_VAR_resource_group_name"
ZERO_GUID = re.compile(r"00000000-0000-0000-0000-000000000000")
# RFC 5737: ranges reserved for documentation, never anyone's real egress.
DOCUMENTATION_RANGES = [
    ipaddress.ip_network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
]
# A value that says so of itself: "<replace before deploying: ...>".
REPLACE_MARKER = re.compile(r"replace before deploying", re.IGNORECASE)
ACTIONS = ("deploy", "diff", "destroy")


def _run(command: list[str]) -> subprocess.CompletedProcess[str] | None:
    if shutil.which(command[0]) is None:
        return None
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def check_terraform() -> Iterator[str]:
    result = _run(["terraform", "version", "-json"])
    if result is None:
        yield "terraform is not installed: install Terraform >= 1.7 (https://developer.hashicorp.com/terraform/install)"
        return
    try:
        version = json.loads(result.stdout)["terraform_version"]
        parts = tuple(int(part) for part in version.split(".")[:2])
    except (ValueError, KeyError, TypeError):
        printed = result.stdout.strip()[:80]
        yield f"terraform version -json printed no version ({printed!r}): reinstall Terraform"
        return
    if parts < MIN_TERRAFORM:
        yield f"terraform {version} is too old: install Terraform >= {MIN_TERRAFORM[0]}.{MIN_TERRAFORM[1]}"


def check_azure_cli() -> Iterator[str]:
    result = _run(["az", "account", "show", "--output", "json"])
    if result is None:
        yield "the Azure CLI (az) is not installed: install it, then run az login"
        return
    try:
        account = json.loads(result.stdout) if result.returncode == 0 else {}
    except ValueError:
        account = {}
    if not account.get("id"):
        yield "the Azure CLI is not signed in: run az login, then az account set --subscription <id>"


def check_resource_group() -> Iterator[str]:
    if not os.environ.get(RESOURCE_GROUP_VARIABLE, "").strip():
        name = RESOURCE_GROUP_VARIABLE
        yield f"{name} is not set: export {name}=<existing resource group>"


def placeholders(document: Any, key: str = "") -> Iterator[tuple[str, str, str]]:
    """(key, value, why) for every placeholder value in an environment file's document."""
    if isinstance(document, dict):
        for name, value in document.items():
            yield from placeholders(value, f"{key}.{name}" if key else name)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from placeholders(value, f"{key}[{index}]")
    elif isinstance(document, str):
        if ZERO_GUID.search(document):
            yield key, document, "an all-zero GUID is a placeholder: put the real id there"
        elif REPLACE_MARKER.search(document):
            yield key, document, "marked as a placeholder: put the real value there"
        else:
            try:
                network = ipaddress.ip_network(document, strict=False)
            except ValueError:
                return
            if any(network.overlaps(reserved) for reserved in DOCUMENTATION_RANGES):
                yield key, document, "a documentation range (RFC 5737): put your real egress ranges there"


def check_placeholders(path: Path) -> Iterator[str]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    label = environment_label(path.parent, path.stem)
    for key, value, why in placeholders(document):
        yield f"{label}: {key} = {json.dumps(value)}: {why}"


def needs_kubelogin(path: Path) -> bool:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return bool(document.get("cluster", {}).get("local_account_disabled", False))


def check_kubelogin(paths: list[Path]) -> Iterator[str]:
    needing = [path.stem for path in paths if needs_kubelogin(path)]
    if needing and shutil.which("kubelogin") is None:
        yield (
            f"kubelogin is not installed and {', '.join(needing)} signs in through Entra ID only: "
            "run az aks install-cli"
        )


def check_protection(path: Path) -> Iterator[str]:
    """make destroy: what to change first when the environment protects its resources."""
    settings, _ = load_environment(path)
    if settings is None:
        return
    label = environment_label(path.parent, path.stem)
    if settings.protection.prevent_destroy:
        locks = (
            "; the destroy removes its CanNotDelete locks first (protection.delete_locks), which needs "
            "Microsoft.Authorization/locks/delete, such as Owner"
            if settings.protection.delete_locks
            else ""
        )
        yield (
            f"{label}: protection.prevent_destroy = true: Terraform refuses to destroy the cluster and its "
            f"workspaces; to take {path.stem} down on purpose, set protection.prevent_destroy = false in "
            f"{label}, then run make destroy ENV={path.stem} again{locks}"
        )


# What check_kaito_version read in this run, said after the checks pass.
KAITO_NOTES: list[str] = []


def check_kaito_version(path: Path) -> Iterator[str]:
    """The add-on's KAITO version, read off the cluster once it exists, against the Workspace."""
    settings, _ = load_environment(path)
    resource_group = os.environ.get(RESOURCE_GROUP_VARIABLE, "").strip()
    if settings is None or not resource_group or not settings.workloads.kaito_workspace.enabled:
        return
    naming = Naming(path.stem, settings.prefix, settings.location)
    reading = kaito_version.read_addon_version(resource_group, naming.cluster)
    label = environment_label(path.parent, path.stem)
    KAITO_NOTES.append(
        f"{label}: the cluster's KAITO add-on runs {reading.version} ({reading.detail})"
        if reading.version
        else f"{label}: KAITO version not read ({reading.detail}); the Workspace was not held against it"
    )
    yield from kaito_version.version_problems(label, settings, reading)


def state_notes(paths: list[Path]) -> Iterator[str]:
    """Environments that keep their Terraform state in a local file: said, not refused."""
    for path in paths:
        settings, _ = load_environment(path)
        if settings is not None and isinstance(settings.backend, LocalBackendSettings):
            yield (
                f"{environment_label(path.parent, path.stem)}: Terraform state stays in local files "
                f"(terraform.<stack>.tfstate, unlocked, on this machine only): fine for a throwaway "
                "environment; give it an azurerm backend before anyone else deploys it (docs/production.md)"
            )


def preflight(action: str, names: list[str], directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    """Every problem that would stop `action` on the environments `names`; empty means go."""
    files = environment_files(directory)
    if not names:
        return [f"make {action} needs ENV=<environment>[,<environment>...]; environments: {', '.join(files)}"]
    unknown = [name for name in names if name not in files]
    if unknown:
        return [f"no such environment: {', '.join(unknown)}; environments: {', '.join(files)}"]
    paths = [files[name] for name in names]
    KAITO_NOTES.clear()
    problems = [*check_terraform(), *check_azure_cli(), *check_resource_group(), *check_kubelogin(paths)]
    if action in ("deploy", "diff"):
        for path in paths:
            problems.extend(check_placeholders(path))
            problems.extend(check_kaito_version(path))
    if action == "destroy":
        for path in paths:
            problems.extend(check_protection(path))
    if not problems:
        # With az signed in and real values: may this identity do it (tools/preflight_identity.py)?
        problems.extend(identity_problems(action, names, directory))
    return problems


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ACTIONS:
        print(
            f"usage: python -m aks_platform.tools.preflight {{{'|'.join(ACTIONS)}}} <env>[,<env>...]",
            file=sys.stderr,
        )
        return 2
    action = argv[0]
    names = [name.strip() for name in ",".join(argv[1:]).split(",") if name.strip()]
    problems = preflight(action, names)
    for problem in problems:
        print(f"preflight: {problem}", file=sys.stderr)
    if problems:
        print(
            f"preflight: {len(problems)} problem(s); nothing was synthesized or {action}ed", file=sys.stderr
        )
        return 1
    for note in [*state_notes([environment_files()[name] for name in names]), *KAITO_NOTES]:
        print(f"preflight: note: {note}")
    print(f"preflight: ok for {action} of {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
