"""`make refresh-versions LOCATION=<region>`: merge what Azure offers today into data/aks-versions.toml.

It runs (or reads, with --versions-json/--revisions-json) the JSON output of

    az aks get-versions --location <region> --output json
    az aks mesh get-revisions --location <region> --output json

The first is the ManagedClusters_ListKubernetesVersions response, {"values": [{"version": "1.34",
"isPreview": ..., "capabilities": {"supportPlan": [...]}, "patchVersions": {"1.34.10": {"upgrades":
[...]}}}]}; the second the mesh revision profile's properties, {"meshRevisions": [{"revision":
"asm-1-30", "upgrades": [...], "compatibleWith": [{"name": "kubernetes", "versions": [...]}]}]}
(older CLI releases printed the whole profile, with "properties" around it; both are read).

What it changes: each GA minor's `offered`, `offered_in`, `offered_on`; patches it has not seen
before (dated the day it first saw them); new GA minors (without support dates: add them by hand
from the AKS calendar); ga_confirmed of a minor the region lists as GA; each Istio revision's
Kubernetes range, and new revisions; `as_of`. Dates
written by hand (end of support, end of life) are never changed. The file's header comment is kept.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from aks_platform.versions import VERSIONS_TABLE, revision_key, today, version_key


class RefreshError(Exception):
    """Input that does not look like the Azure CLI's output; the message says what was expected."""


@dataclass(frozen=True)
class OfferedMinor:
    version: str
    preview: bool
    patches: tuple[str, ...]
    support_plans: tuple[str, ...]


@dataclass(frozen=True)
class OfferedRevision:
    revision: str
    kubernetes: tuple[str, ...]
    upgrades: tuple[str, ...]


def parse_versions(document: Any) -> list[OfferedMinor]:
    """The minors and patches of `az aks get-versions --output json`."""
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        raise RefreshError('az aks get-versions: expected a JSON object with a "values" array')
    minors = []
    for index, entry in enumerate(document["values"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            raise RefreshError(f'az aks get-versions: values[{index}] has no "version"')
        patches = entry.get("patchVersions") or {}
        if not isinstance(patches, dict):
            raise RefreshError(f"az aks get-versions: values[{index}].patchVersions is not an object")
        plans = (entry.get("capabilities") or {}).get("supportPlan") or []
        minors.append(
            OfferedMinor(
                version=entry["version"],
                preview=bool(entry.get("isPreview")),
                patches=tuple(sorted(patches, key=version_key)),
                support_plans=tuple(plans),
            )
        )
    return minors


def parse_revisions(document: Any) -> list[OfferedRevision]:
    """The Istio revisions of `az aks mesh get-revisions --output json`."""
    if isinstance(document, dict) and "properties" in document and "meshRevisions" not in document:
        document = document["properties"]
    if not isinstance(document, dict) or not isinstance(document.get("meshRevisions"), list):
        raise RefreshError('az aks mesh get-revisions: expected a JSON object with a "meshRevisions" array')
    revisions = []
    for index, entry in enumerate(document["meshRevisions"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("revision"), str):
            raise RefreshError(f'az aks mesh get-revisions: meshRevisions[{index}] has no "revision"')
        kubernetes: list[str] = []
        for compatible in entry.get("compatibleWith") or []:
            if compatible.get("name") == "kubernetes":
                kubernetes.extend(compatible.get("versions") or [])
        revisions.append(
            OfferedRevision(
                revision=entry["revision"],
                kubernetes=tuple(sorted(kubernetes, key=version_key)),
                upgrades=tuple(entry.get("upgrades") or ()),
            )
        )
    return revisions


def merge(
    table: dict[str, Any],
    minors: list[OfferedMinor],
    revisions: list[OfferedRevision],
    location: str,
    day: datetime.date,
) -> tuple[dict[str, Any], list[str]]:
    """The table with Azure's answer merged in, and one line per change for the person running it."""
    merged = json.loads(json.dumps(table, default=str))  # a deep copy; dates become strings here
    merged = _restore_dates(merged)
    changes: list[str] = []
    kubernetes = merged.setdefault("kubernetes", {})
    for minor in minors:
        if minor.preview:
            continue
        row = kubernetes.get(minor.version)
        if row is None:
            row = kubernetes[minor.version] = {
                "source": f"az aks get-versions in {location} on {day}; add dates from the AKS calendar",
                "patches": {},
            }
            changes.append(f"new minor {minor.version} (add end_of_standard_support by hand)")
        if row.get("ga_confirmed") is False:
            # Azure lists it as generally available in this region: the announced GA is confirmed.
            row["ga_confirmed"] = True
            changes.append(f"{minor.version} GA confirmed: listed as GA in {location} on {day}")
        patches = row.setdefault("patches", {})
        for patch in minor.patches:
            if patch not in patches:
                patches[patch] = day
                changes.append(f"new patch {patch}")
        row["patches"] = dict(sorted(patches.items(), key=lambda item: version_key(item[0])))
        if list(row.get("offered", [])) != list(minor.patches):
            changes.append(f"{minor.version} offered in {location}: {', '.join(minor.patches) or 'none'}")
        row["offered"] = list(minor.patches)
        row["offered_in"] = location
        row["offered_on"] = day
    istio = merged.setdefault("istio", {})
    for revision in revisions:
        if not revision.kubernetes:
            continue
        low, high = revision.kubernetes[0], revision.kubernetes[-1]
        row = istio.get(revision.revision)
        if row is None:
            istio[revision.revision] = {
                "min_kubernetes": low,
                "max_kubernetes": high,
                "source": f"az aks mesh get-revisions in {location} on {day}",
            }
            changes.append(f"new Istio revision {revision.revision} (Kubernetes {low}-{high})")
        elif (row.get("min_kubernetes"), row.get("max_kubernetes")) != (low, high):
            row["min_kubernetes"], row["max_kubernetes"] = low, high
            changes.append(f"{revision.revision} now supports Kubernetes {low}-{high}")
    merged["istio"] = dict(sorted(istio.items(), key=lambda item: revision_key(item[0])))
    merged["kubernetes"] = dict(sorted(kubernetes.items(), key=lambda item: version_key(item[0])))
    merged["as_of"] = max(day, merged["as_of"]) if isinstance(merged.get("as_of"), datetime.date) else day
    return merged, changes


def _restore_dates(value: Any) -> Any:
    """Turn the ISO date strings of the JSON round trip back into dates."""
    if isinstance(value, dict):
        return {key: _restore_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_dates(item) for item in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def header_comment(text: str) -> str:
    """The leading comment block of the table file, kept when it is rewritten."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            lines.append(line)
        else:
            break
    return "\n".join(lines).rstrip() + "\n\n"


def render(table: dict[str, Any], header: str) -> str:
    return header + tomli_w.dumps(table)


def _run_az(arguments: list[str]) -> Any:
    if shutil.which("az") is None:
        raise RefreshError("the Azure CLI (az) is not installed: install it, then run az login")
    result = subprocess.run(
        ["az", *arguments, "--output", "json"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RefreshError(
            f"az {' '.join(arguments)} failed: {result.stderr.strip() or result.stdout.strip()}"
        )
    return json.loads(result.stdout)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--location", required=True, help="Azure region, such as eastus2")
    parser.add_argument("--versions-json", type=Path, help="saved output of az aks get-versions")
    parser.add_argument("--revisions-json", type=Path, help="saved output of az aks mesh get-revisions")
    parser.add_argument("--table", type=Path, default=VERSIONS_TABLE, help="the table to update")
    args = parser.parse_args(argv)
    try:
        versions = (
            json.loads(args.versions_json.read_text())
            if args.versions_json
            else _run_az(["aks", "get-versions", "--location", args.location])
        )
        revisions = (
            json.loads(args.revisions_json.read_text())
            if args.revisions_json
            else _run_az(["aks", "mesh", "get-revisions", "--location", args.location])
        )
        text = args.table.read_text(encoding="utf-8")
        merged, changes = merge(
            tomllib.loads(text), parse_versions(versions), parse_revisions(revisions), args.location, today()
        )
    except (RefreshError, json.JSONDecodeError, OSError) as error:
        print(f"refresh-versions: {error}", file=sys.stderr)
        return 2
    args.table.write_text(render(merged, header_comment(text)), encoding="utf-8")
    for change in changes or ["no changes"]:
        print(f"  {change}")
    print(f"{args.table.name} updated; review the diff and commit it with the source of any date you add")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
