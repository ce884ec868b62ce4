"""The project's commands run as a user runs them: each in a fresh process, from the repository.

conftest.py turns each of these into a session-scoped fixture, so a command runs at most once
per test session (per xdist worker) and only if a test that needs it runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aks_platform.fast_import import provider_loader

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
IMPORT_REPORT = Path(__file__).resolve().parent / "import_report.py"
# make as the tests run it: never installing (-o marks the install stamps as up to date). `make test`
# installs before pytest starts; an install started from inside the suite would replace
# node_modules/ under the tests that are using it.
MAKE = ["make", "--no-print-directory", "-o", ".venv/.synced", "-o", "node_modules/.synced"]


@dataclass(frozen=True)
class Run:
    """What a command left: the folder it wrote, its process, and the files in that folder."""

    out: Path
    process: subprocess.CompletedProcess[str]
    files: dict[str, bytes]

    def check(self) -> Run:
        assert self.process.returncode == 0, self.process.stdout + self.process.stderr
        return self


def files_of(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()
    }


def without_preload(environment: dict[str, str]) -> dict[str, str]:
    """`environment` without the Node preload in NODE_OPTIONS, where a parent process put it
    (provider_loader.install() in the suite, or in the xdist controller the workers inherit from)."""
    clean = dict(environment)
    preload = f"--require={provider_loader.NODE_PRELOAD}"
    options = [option for option in clean.pop("NODE_OPTIONS", "").split() if option != preload]
    if options:
        clean["NODE_OPTIONS"] = " ".join(options)
    return clean


def without_fast_import(environment: dict[str, str]) -> dict[str, str]:
    """`environment` with both halves of the fast provider import off: the opt-out set for Python,
    and no preload in NODE_OPTIONS, so no jsii kernel started from it can load
    lazy-provider-index.cjs."""
    return {**without_preload(environment), provider_loader.DISABLE_VARIABLE: "0"}


def run(
    command: list[str], environment: dict[str, str], changes: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**environment, "CHECKPOINT_DISABLE": "1", **(changes or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def finished(out: Path, process: subprocess.CompletedProcess[str]) -> Run:
    return Run(out, process, files_of(out) if process.returncode == 0 and out.is_dir() else {})


def make_synth(out: Path, environment: dict[str, str]) -> Run:
    """`make synth` (ENV empty: every environment) into a folder seeded with a stale stack and a
    stray cdk.tf, as a user's may be."""
    (out / "stacks" / "ai-conformant-aks-gone").mkdir(parents=True)
    (out / "stacks" / "ai-conformant-aks-dev").mkdir(parents=True)
    (out / "stacks" / "ai-conformant-aks-dev" / "cdk.tf").write_text('resource "x" "y" {}')
    process = run([*MAKE, "synth", f"OUT={out}"], environment, {"ENV": "", "CI": "true"})
    return finished(out, process)


def make_review(out: Path, environment: dict[str, str]) -> Run:
    return finished(out, run([*MAKE, "review", f"REVIEW_OUT={out}"], environment, {"CI": "true"}))


def cli_synth(out: Path, environment: dict[str, str]) -> Run:
    cdktf = NODE_BIN / "cdktf"
    process = run([str(cdktf), "synth", "--output", str(out)], environment, {"CDKTF_ENV": "", "CI": "true"})
    return finished(out, process)


def standard_import_synth(out: Path, report: Path, environment: dict[str, str]) -> Run:
    """main.py with the standard provider import, in `environment` with the fast import taken out
    (without_fast_import), run by import_report.py, which writes to `report` what was loaded."""
    process = run(
        [sys.executable, str(IMPORT_REPORT), str(report)],
        without_fast_import(environment),
        {"CDKTF_OUTDIR": str(out), "CDKTF_ENV": ""},
    )
    return finished(out, process)


def user_environment() -> dict[str, str]:
    """The environment the suite started in, without the suite's own preload, with the project's
    Node first on PATH."""
    environment = without_preload(dict(os.environ))
    if NODE_BIN.is_dir() and not environment.get("PATH", "").startswith(str(NODE_BIN)):
        environment["PATH"] = f"{NODE_BIN}{os.pathsep}{environment.get('PATH', '')}"
    return environment
