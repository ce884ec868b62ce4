"""The synthesized output folder (cdktf.out/stacks/<stack>/cdk.tf.json, and manifest.json, which
the cdktf CLI reads to find the stacks).

`install` moves a finished synth from <folder>.next into the folder: the whole folder when every
environment was synthesized, or, when ENV named some, only those environments' stacks. The other
environments' stacks stay as an earlier synth wrote them, and the run says which: nothing is
removed silently.

    python -m aks_platform.tools.synth_output install cdktf.out.next cdktf.out [dev,prod]
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from aks_platform.naming import STACK_PREFIX, WORKLOADS_SUFFIX
from aks_platform.paths import ROOT

DEFAULT_OUT = ROOT / "cdktf.out"
MANIFEST = "manifest.json"


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


def environment_stacks(names: list[str]) -> set[str]:
    """The stack names environments can have (cluster and workloads stack)."""
    return {f"{STACK_PREFIX}-{name}{suffix}" for name in names for suffix in ("", WORKLOADS_SUFFIX)}


def _manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"stacks": {}}


def install(new: Path, out: Path, names: list[str]) -> list[str]:
    """Move the synth in `new` into `out`; the stacks kept from an earlier synth (none when
    `names` is empty: then `out` is replaced whole)."""
    if not names or not out.is_dir():
        shutil.rmtree(out, ignore_errors=True)
        new.rename(out)
        return []
    ours = environment_stacks(names)
    manifest = _manifest(out)
    written = _manifest(new)
    (out / "stacks").mkdir(parents=True, exist_ok=True)
    for folder in sorted((out / "stacks").iterdir()):
        # The named environments' old stacks go, also one that they no longer have.
        if folder.name in ours:
            shutil.rmtree(folder)
    kept = sorted(folder.name for folder in (out / "stacks").iterdir() if folder.name not in ours)
    stacks = {name: entry for name, entry in manifest.get("stacks", {}).items() if name in kept}
    stacks.update(written.get("stacks", {}))
    for folder in sorted((new / "stacks").iterdir()):
        folder.rename(out / "stacks" / folder.name)
    manifest = {**written, "stacks": dict(sorted(stacks.items()))}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    shutil.rmtree(new)
    return kept


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "install":
        print(
            "usage: python -m aks_platform.tools.synth_output install <new> <out> [<env>[,<env>...]]",
            file=sys.stderr,
        )
        return 2
    names = [name.strip() for name in ",".join(argv[3:]).split(",") if name.strip()]
    kept = install(Path(argv[1]), Path(argv[2]), names)
    if kept:
        print(
            f"ENV={','.join(names)}: only its stacks were written; kept from an earlier synth, not "
            f"refreshed: {', '.join(kept)} (make synth without ENV writes every environment and removes "
            "the rest)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
