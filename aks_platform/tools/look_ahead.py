"""What the shipped environments will need changed soon: `make conformance` prints it (docs/versions.md).

    python -m aks_platform.tools.look_ahead [--days 60] [<synth output folder>]

Two lists, both reports, never failures:
- versions: each environment's currency notices on today + `days` (AKS_TODAY moves "today") that
  are not retired today: the values that will stop deploying within that window, and the fix the
  table knows for them then;
- checklists: with a synth output folder, each environment held against every AI conformance
  checklist newer than its cluster's minor, naming the items it would lack there.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from dataclasses import dataclass
from pathlib import Path

from aks_platform.currency import currency_notices
from aks_platform.environments import ENVIRONMENTS_DIR, SettingsError, environment_label, load_environments
from aks_platform.settings import EnvironmentSettings
from aks_platform.versions import Notice, today, version_key

DAYS = 60


@dataclass(frozen=True)
class Coming:
    """A value that deploys today and will not on `day`."""

    environment: str
    day: datetime.date
    notice: Notice


def coming_changes(
    environments: dict[str, EnvironmentSettings], start: datetime.date, days: int = DAYS
) -> list[Coming]:
    """Per environment, what is retired on start + days but not on start."""
    day = start + datetime.timedelta(days=days)
    coming = []
    for name, settings in environments.items():
        retired_now = {
            (notice.key, notice.message) for notice in currency_notices(settings, start) if notice.retired
        }
        for notice in currency_notices(settings, day):
            if notice.retired and (notice.key, notice.message) not in retired_now:
                coming.append(Coming(name, day, notice))
    return coming


def version_report(directory: Path, start: datetime.date, days: int = DAYS) -> list[str]:
    environments = load_environments(directory)
    coming = coming_changes(environments, start, days)
    day = start + datetime.timedelta(days=days)
    lines = [f"Look-ahead to {day} ({days} days after {start}): values that will need a change"]
    if not coming:
        lines.append("  none")
    for entry in coming:
        lines.append("  " + entry.notice.render(environment_label(directory, entry.environment)))
    return lines


def checklist_report(output: Path) -> list[str]:
    """Items each synthesized environment would lack on every newer AI conformance checklist."""
    from aks_platform.tools import conformance
    from aks_platform.tools.checklists import load_checklists
    from aks_platform.tools.synth_output import stack_files

    minors = sorted(load_checklists(), key=version_key)
    lines = []
    for environment, (cluster, workloads) in conformance.load_stacks(stack_files(output)).items():
        own = conformance.cluster_minor(cluster)
        for minor in (name for name in minors if version_key(name) > version_key(own)):
            findings = conformance.evaluate(cluster, workloads, minor)
            lacking = [
                name
                for name, finding in findings.items()
                if not finding.provided and finding.outcome != conformance.NOT_APPLICABLE
            ]
            lines.append(
                f"On the {minor} AI conformance checklist, {environment} (on {own} today) would lack: "
                f"{', '.join(lacking) or 'nothing'}"
            )
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "output", nargs="?", type=Path, help="synth output folder (cdktf.out) for the checklists"
    )
    parser.add_argument("--days", type=int, default=DAYS, help=f"how far ahead (default {DAYS})")
    parser.add_argument("--environments", type=Path, default=ENVIRONMENTS_DIR)
    args = parser.parse_args(argv)
    try:
        lines = version_report(args.environments, today(), args.days)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if args.output is not None:
        lines += checklist_report(args.output)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
