"""The AI conformance report, computed from the synthesized JSON of both stacks of an environment.

The checklist is the official one of the cluster's Kubernetes minor (data/ai-conformance.toml).
Every MUST and SHOULD item of it has a rule (aks_platform/tools/conformance_rules.py) that looks
for the resources and values that satisfy it and cites them, or says what is missing: provided,
partly, not provided, or not applicable. Remove a resource and its item drops. Besides a Markdown
report, `make conformance` writes a draft of the official checklist YAML with status and notes
filled in, for a person to add the evidence links a submission needs.

    python -m aks_platform.tools.conformance [cdktf.out]    (make conformance)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from aks_platform.naming import STACK_PREFIX, WORKLOADS_SUFFIX
from aks_platform.paths import CONFORMANCE_REPORTS
from aks_platform.tools.checklists import METADATA_FIELDS, Item, load_checklists
from aks_platform.tools.conformance_findings import (
    MISSING,
    NOT_APPLICABLE,
    PARTLY,
    PROVIDED,
    Finding,
    Stack,
    cluster_minor,
)
from aks_platform.tools.conformance_rules import RULES
from aks_platform.tools.synth_output import stack_files_or_exit

REPORT_DIR = CONFORMANCE_REPORTS

# The checklist's statuses (cncf/ai-conformance scripts/validate.go) for each outcome.
STATUS = {
    PROVIDED: "Implemented",
    PARTLY: "Partially Implemented",
    MISSING: "Not Implemented",
    NOT_APPLICABLE: "N/A",
}


class UnknownChecklistError(LookupError):
    """No checklist for the cluster's minor in data/ai-conformance.toml."""


def checklist_for(minor: str) -> list[Item]:
    checklists = load_checklists()
    if minor not in checklists:
        raise UnknownChecklistError(
            f"no AI conformance checklist for Kubernetes {minor} in data/ai-conformance.toml "
            f"(known: {', '.join(checklists)}); import it with python -m aks_platform.tools.checklists"
        )
    return checklists[minor]


def evaluate(cluster: Stack, workloads: Stack | None, minor: str | None = None) -> dict[str, Finding]:
    """Item id -> finding, for every item of the checklist of the cluster's minor (or `minor`)."""
    items = checklist_for(minor or cluster_minor(cluster))
    return {item.id: RULES[item.id](cluster, workloads or {}) for item in items}


def markdown(environment: str, minor: str, findings: dict[str, Finding]) -> str:
    items = {item.id: item for item in checklist_for(minor)}
    lines = [f"# AI conformance: {environment}", ""]
    for level in ("MUST", "SHOULD"):
        ids = [item_id for item_id in findings if items[item_id].level == level]
        provided = sum(findings[item_id].provided for item_id in ids)
        if ids:
            lines.append(
                f"Kubernetes AI Conformance {minor} {level} items provided: {provided} of {len(ids)}."
            )
    lines += [
        f"Computed from the synthesized stacks {STACK_PREFIX}-{environment} and "
        f"{STACK_PREFIX}-{environment}{WORKLOADS_SUFFIX}; the checklist is the one of the cluster's "
        f"Kubernetes minor ({minor}).",
        "",
        "| Item | Level | Status | Resources / what is missing |",
        "|---|---|---|---|",
    ]
    for item_id, finding in findings.items():
        detail = "<br>".join(f"`{entry}`" for entry in finding.evidence)
        if finding.missing:
            label = "why" if finding.outcome == NOT_APPLICABLE else "missing"
            detail += ("<br>" if detail else "") + f"{label}: " + "; ".join(finding.missing)
        status = finding.outcome if finding.provided else f"**{finding.outcome}**"
        lines.append(
            f"| `{item_id}` ({items[item_id].category}) | {items[item_id].level} | {status} | {detail} |"
        )
    return "\n".join(lines) + "\n"


def draft_checklist(environment: str, minor: str, findings: dict[str, Finding]) -> dict[str, Any]:
    """The official checklist YAML with status and notes filled; metadata and evidence left to a person."""
    metadata: dict[str, str] = {name: f"[{name}]" for name in METADATA_FIELDS}
    metadata["kubernetesVersion"] = f"v{minor}"
    spec: dict[str, list[dict[str, Any]]] = {}
    for item in checklist_for(minor):
        finding = findings[item.id]
        notes = "; ".join(finding.evidence)
        if finding.missing:
            label = "why" if finding.outcome == NOT_APPLICABLE else "missing"
            notes += ("; " if notes else "") + f"{label}: " + "; ".join(finding.missing)
        spec.setdefault(item.category, []).append(
            {
                "id": item.id,
                "description": item.description,
                "level": item.level,
                "status": STATUS[finding.outcome],
                "evidence": [],
                "notes": f"{environment} (from the synthesized stacks): {notes}",
            }
        )
    return {"metadata": metadata, "spec": spec}


def load_stacks(files: dict[str, Path]) -> dict[str, tuple[Stack, Stack | None]]:
    """Environment -> (cluster stack, workloads stack or None), from stack_files()."""
    return {
        name: (
            json.loads(path.read_text()),
            json.loads(files[name + WORKLOADS_SUFFIX].read_text())
            if name + WORKLOADS_SUFFIX in files
            else None,
        )
        for name, path in files.items()
        if not name.endswith(WORKLOADS_SUFFIX)
    }


def main(argv: list[str]) -> int:
    _, files = stack_files_or_exit(argv)
    environments = load_stacks(files)
    REPORT_DIR.mkdir(exist_ok=True)
    written = []
    for environment, (cluster, workloads) in environments.items():
        minor = cluster_minor(cluster)
        try:
            findings = evaluate(cluster, workloads, minor)
        except UnknownChecklistError as error:
            print(f"{environment}: {error}", file=sys.stderr)
            return 2
        report = markdown(environment, minor, findings)
        (REPORT_DIR / f"{environment}.md").write_text(report)
        draft = REPORT_DIR / f"{environment}-AIConformance-{minor}.yaml"
        draft.write_text(
            "# Draft: status and notes computed from the synthesized stacks; fill metadata and evidence.\n"
            + yaml.safe_dump(draft_checklist(environment, minor, findings), sort_keys=False, width=100)
        )
        written += [f"conformance/{environment}.md", f"conformance/{draft.name}"]
        print(report)
    print(f"written: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
