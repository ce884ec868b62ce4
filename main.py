#!/usr/bin/env python
"""Entry point of the CDKTF app: `cdktf synth` and `cdktf deploy` run this file (see cdktf.json).

    python main.py            synthesize every environment in environments/ into cdktf.out/
    python main.py --check    validate the settings only; write nothing
    python main.py --check --deploy-gate
                              also refuse versions past their end of support (make deploy runs
                              this; ALLOW_RETIRED=1 lets them through)
    CDKTF_ENV=prod ...        only the named environment(s), comma-separated
    AKS_ENVIRONMENTS_DIR=...  read environment files from another folder

Settings of every selected environment are validated before any stack is built, so bad input
stops here with a list of problems and exit code 2, and nothing is written. Versions near or past
their end of support (data/aks-versions.toml) are printed as warnings; with --deploy-gate a
retired one stops the run with exit code 3. A table older than its stale_after_days is said once.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from aks_platform.currency import currency_notices
from aks_platform.endpoint import endpoint_notices
from aks_platform.environments import ENVIRONMENTS_DIR, SettingsError, environment_label, load_environments
from aks_platform.tools.chart_currency import chart_notices, charts_used
from aks_platform.versions import load_table, stale_warning, today

ALLOW_RETIRED = "ALLOW_RETIRED"
NOTICES_SHOWN = "AKS_NOTICES_SHOWN"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="validate settings only")
    parser.add_argument(
        "--deploy-gate",
        action="store_true",
        help="exit 3 when a version is past its end of support, unless ALLOW_RETIRED=1",
    )
    parser.add_argument(
        "--environments",
        type=Path,
        default=Path(os.environ.get("AKS_ENVIRONMENTS_DIR", ENVIRONMENTS_DIR)),
        help="folder of <environment>.toml files (default: $AKS_ENVIRONMENTS_DIR or environments/)",
    )
    return parser.parse_args(argv)


def selected_environments() -> list[str] | None:
    names = [name.strip() for name in os.environ.get("CDKTF_ENV", "").split(",") if name.strip()]
    return names or None


def report_currency(environments: dict, directory: Path, *, gate: bool) -> bool:
    """Print every currency notice once; False when the deploy gate must stop on a retired version.

    A make target that runs the app twice (make deploy: the gate, then synth) sets
    AKS_NOTICES_SHOWN=1 for the second run, which then counts but does not print."""
    day = today()
    shown: set[str] = set()
    quiet = os.environ.get(NOTICES_SHOWN) == "1"

    def say(line: str) -> None:
        if not quiet and line not in shown:
            shown.add(line)
            print(line, file=sys.stderr)

    stale = stale_warning(load_table(), day)
    if stale:
        say(stale)
    # Chart pins: once per run, for the charts the selected environments install (never gating).
    used = set().union(*(charts_used(settings) for settings in environments.values()))
    for chart in chart_notices(day, used):
        say(chart.render())
    # A value with two notices (a minor past support and its patch superseded) is one version.
    retired_values: set[tuple[str, str]] = set()
    for name, settings in environments.items():
        for notice in [*currency_notices(settings, day), *endpoint_notices(settings)]:
            say(notice.render(environment_label(directory, name)))
            if notice.retired:
                retired_values.add((name, notice.key))
    retired = len(retired_values)
    if gate and retired:
        if os.environ.get(ALLOW_RETIRED) == "1":
            print(f"{ALLOW_RETIRED}=1: deploying {retired} retired version(s) anyway", file=sys.stderr)
            return True
        print(
            f"refusing to deploy: {retired} version(s) past their end of support on {day} (see above); fix "
            f"them, or set {ALLOW_RETIRED}=1 to deploy anyway",
            file=sys.stderr,
        )
        return False
    return True


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        environments = load_environments(args.environments, only=selected_environments())
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if not report_currency(environments, args.environments, gate=args.deploy_gate):
        return 3
    if args.check:
        print(f"settings valid: {', '.join(environments)}")
        return 0

    # Imported only now: loading cdktf and the providers costs seconds that --check need not pay.
    from aks_platform.fast_import import provider_loader

    provider_loader.install()
    from cdktf import App

    from aks_platform.stacks import build_stacks

    app = App()
    build_stacks(app, environments)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
