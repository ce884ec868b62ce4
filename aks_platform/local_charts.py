"""Versions of the local Helm charts under charts/, derived from their content.

The helm provider upgrades a release when its values or its chart version change, not when a
template of a local chart changes. So each local chart's version carries a digest of its
templates and values: `<base>-c<12 hex digits>`. `python -m aks_platform.local_charts` rewrites
the versions after an edit; a test fails while a chart's version does not match its content.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from aks_platform.paths import ROOT

CHARTS = ROOT / "charts"
VERSION_LINE = re.compile(r"^version:\s*(?P<version>\S+)\s*$", re.MULTILINE)
BASE = re.compile(r"^(?P<base>[0-9]+\.[0-9]+\.[0-9]+)(-c[0-9a-f]{12})?$")


def content_digest(chart: Path) -> str:
    """sha256 over every file of the chart but Chart.yaml's version line, paths included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in chart.rglob("*") if p.is_file()):
        relative = path.relative_to(chart).as_posix()
        text = path.read_text(encoding="utf-8")
        if relative == "Chart.yaml":
            text = VERSION_LINE.sub("version:", text)
        digest.update(relative.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:12]


def declared_version(chart: Path) -> str:
    match = VERSION_LINE.search((chart / "Chart.yaml").read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{chart}/Chart.yaml has no version line")
    return match["version"]


def expected_version(chart: Path) -> str:
    base = BASE.match(declared_version(chart))
    if base is None:
        raise ValueError(f"{chart}/Chart.yaml: version must be MAJOR.MINOR.PATCH[-c<digest>]")
    return f"{base['base']}-c{content_digest(chart)}"


def write_version(chart: Path) -> str:
    version = expected_version(chart)
    path = chart / "Chart.yaml"
    path.write_text(
        VERSION_LINE.sub(f"version: {version}", path.read_text(encoding="utf-8")), encoding="utf-8"
    )
    return version


def main(argv: list[str]) -> int:
    for chart in sorted(path.parent for path in CHARTS.glob("*/Chart.yaml")):
        before = declared_version(chart)
        after = write_version(chart)
        print(
            f"{chart.relative_to(ROOT)}: {before} -> {after}" if before != after else f"{chart.name}: {after}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
