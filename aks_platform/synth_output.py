"""Finding the synthesized stacks in a cdktf output folder (cdktf.out/stacks/<stack>/cdk.tf.json)."""

from __future__ import annotations

import sys
from pathlib import Path

from aks_platform.naming import STACK_PREFIX
from aks_platform.paths import ROOT

DEFAULT_OUT = ROOT / "cdktf.out"


def stack_files(out_dir: Path) -> dict[str, Path]:
    """`<environment>` or `<environment>-workloads` -> that stack's cdk.tf.json."""
    return {
        path.parent.name.removeprefix(f"{STACK_PREFIX}-"): path
        for path in sorted((out_dir / "stacks").glob(f"{STACK_PREFIX}-*/cdk.tf.json"))
    }


def stack_files_or_exit(argv: list[str]) -> tuple[Path, dict[str, Path]]:
    """The output folder named on the command line (default cdktf.out) and its stacks; exit 2 if none."""
    out_dir = Path(argv[0]) if argv else DEFAULT_OUT
    files = stack_files(out_dir)
    if not files:
        print(f"no synthesized stacks under {out_dir}/stacks: run `make synth` first", file=sys.stderr)
        sys.exit(2)
    return out_dir, files
