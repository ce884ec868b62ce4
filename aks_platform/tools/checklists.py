"""The official CNCF Kubernetes AI Conformance checklists, kept as data (data/ai-conformance.toml).

The checklists are cncf/k8s-ai-conformance's (formerly cncf/ai-conformance)
docs/AIConformance-<minor>.yaml: per Kubernetes minor, items by category with an id, a level
(MUST or SHOULD) and a description. Users' clones have no copy of the upstream files, so the
project keeps its own, written by

    python -m aks_platform.tools.checklists <folder with AIConformance-*.yaml>

(../shared/reference/ai-conformance beside the repository); a test compares the two where the
upstream folder exists. The statuses and metadata fields a submission must use come from the
upstream validator (cncf/ai-conformance scripts/validate.go).
"""

from __future__ import annotations

import functools
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from aks_platform import yaml_text
from aks_platform.paths import DATA

CHECKLISTS = DATA / "ai-conformance.toml"
FILE_NAME = re.compile(r"^AIConformance-(?P<minor>1\.[0-9]+)\.yaml$")
HEADER = """\
# The CNCF Kubernetes AI Conformance checklists, one per Kubernetes minor: each item's category, id,
# level and description, as published in cncf/k8s-ai-conformance (formerly cncf/ai-conformance)
# docs/AIConformance-<minor>.yaml; v1.37 from main at 287b44f (after 2026-08-19), which adds the
# SHOULD item workload_sandboxing and recommends automated-test output (e2e.log, junit.xml) as
# evidence where a requirement has automated tests.
# Written by `python -m aks_platform.tools.checklists ../shared/reference/ai-conformance`; do not edit by
# hand. statuses and metadata_fields are what cncf/ai-conformance scripts/validate.go accepts.

"""
STATUSES = ["Implemented", "Partially Implemented", "Not Implemented", "N/A"]
METADATA_FIELDS = [
    "kubernetesVersion",
    "platformName",
    "platformVersion",
    "vendorName",
    "websiteUrl",
    "repoUrl",
    "documentationUrl",
    "productLogoUrl",
    "description",
    "contactEmailAddress",
    "k8sConformanceUrl",
]


@dataclass(frozen=True)
class Item:
    category: str
    id: str
    level: str
    description: str


def read_upstream(folder: Path) -> dict[str, list[Item]]:
    """Minor -> items, from the upstream AIConformance-<minor>.yaml files in `folder`."""
    checklists = {}
    for path in sorted(folder.glob("AIConformance-*.yaml")):
        match = FILE_NAME.match(path.name)
        if match is None:
            continue
        document = yaml_text.load(path.read_text(encoding="utf-8"))
        checklists[match["minor"]] = [
            Item(category, item["id"], item["level"], item["description"])
            for category, items in document["spec"].items()
            for item in items
        ]
    return checklists


def as_table(checklists: dict[str, list[Item]]) -> dict[str, Any]:
    return {
        "statuses": STATUSES,
        "metadata_fields": METADATA_FIELDS,
        "versions": {
            minor: {
                "source": f"cncf/k8s-ai-conformance docs/AIConformance-{minor}.yaml",
                "items": [
                    {"category": i.category, "id": i.id, "level": i.level, "description": i.description}
                    for i in items
                ],
            }
            for minor, items in sorted(checklists.items(), key=lambda entry: int(entry[0].split(".")[1]))
        },
    }


@functools.cache
def load_checklists(path: Path = CHECKLISTS) -> dict[str, list[Item]]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        minor: [Item(**item) for item in version["items"]] for minor, version in document["versions"].items()
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(
            "usage: python -m aks_platform.tools.checklists <folder with AIConformance-*.yaml>",
            file=sys.stderr,
        )
        return 2
    checklists = read_upstream(Path(argv[0]))
    if not checklists:
        print(f"no AIConformance-<minor>.yaml in {argv[0]}", file=sys.stderr)
        return 2
    CHECKLISTS.write_text(HEADER + tomli_w.dumps(as_table(checklists)), encoding="utf-8")
    print(f"{CHECKLISTS.name}: checklists {', '.join(checklists)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
