"""The security gate: checkov on each synthesized stack, against a reasoned baseline per environment.

checkov's `terraform_json` framework reads CDKTF output (plain `terraform` finds nothing in
it) but ignores inline skip comments, so accepted findings live in
security/checkov-baseline/<environment>.toml, each with a one-line reason. The gate fails on a
finding the baseline does not list, and on a baseline entry that no longer fails (stale).

    python -m aks_platform.tools.security_scan [cdktf.out]   # what `make scan` runs
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aks_platform.paths import BASELINES
from aks_platform.tools.synth_output import stack_files_or_exit

BASELINE_DIR = BASELINES


@dataclass(frozen=True, order=True)
class Finding:
    check: str
    resource: str


@dataclass(frozen=True)
class AcceptedFinding:
    check: str
    resource: str
    reason: str

    @property
    def finding(self) -> Finding:
        return Finding(self.check, self.resource)


@dataclass(frozen=True)
class GateResult:
    environment: str
    failed: frozenset[Finding]
    passed_count: int
    new: tuple[Finding, ...]
    stale: tuple[AcceptedFinding, ...]

    @property
    def ok(self) -> bool:
        return not self.new and not self.stale


def checkov_command() -> list[str]:
    found = shutil.which("checkov")
    if found is None:
        raise RuntimeError("checkov is not installed: run `make install`")
    return [found, "--framework", "terraform_json", "--compact", "--skip-download"]


def checkov_env() -> dict[str, str]:
    """No call home: no mapping download (BC_SKIP_MAPPING), no package-index update check
    (CKV_SKIP_PACKAGE_UPDATE_CHECK, checkov/common/util/env_vars_config.py), no SCA scan."""
    return {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
        "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    }


def run_checkov(
    stack_files: dict[str, Path], env: dict[str, str] | None = None
) -> dict[str, tuple[frozenset[Finding], int]]:
    """Failed findings and the passed count per environment, from one checkov run over all files.

    `env` adds to checkov's environment (the tests point proxies at a local listener)."""
    command = [*checkov_command(), "--output", "json"]
    for path in stack_files.values():
        command += ["--file", str(path)]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**checkov_env(), **(env or {})}, check=False
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({result.returncode}):\n{result.stderr[-2000:]}")
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]

    by_file = {path.resolve(): name for name, path in stack_files.items()}
    failed: dict[str, set[Finding]] = {name: set() for name in stack_files}
    passed: dict[str, int] = dict.fromkeys(stack_files, 0)
    types = {name: _resource_types(json.loads(path.read_text())) for name, path in stack_files.items()}
    for report in reports:
        results = report.get("results", {})
        for outcome, checks in (
            ("failed", results.get("failed_checks", [])),
            ("passed", results.get("passed_checks", [])),
        ):
            for check in checks:
                environment = _environment_of(check, by_file)
                if outcome == "passed":
                    passed[environment] += 1
                    continue
                resource = _address(check["resource"], types[environment])
                failed[environment].add(Finding(check["check_id"], resource))
    return {name: (frozenset(failed[name]), passed[name]) for name in stack_files}


def _environment_of(check: dict, by_file: dict[Path, str]) -> str:
    for key in ("file_abs_path", "file_path"):
        candidate = Path(check.get(key) or "")
        for path, name in by_file.items():
            if candidate == path or str(path).endswith(str(candidate).lstrip("/")):
                return name
    raise RuntimeError(f"checkov reported a file we did not scan: {check.get('file_path')}")


def _resource_types(stack: dict) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for resource_type, resources in stack.get("resource", {}).items():
        for name in resources:
            names.setdefault(name, []).append(resource_type)
    return names


def _address(resource: str, types: dict[str, list[str]]) -> str:
    """checkov's terraform_json framework names resources "resource.<name>"; add the type back."""
    if resource.startswith("resource."):
        name = resource.removeprefix("resource.")
        if len(types.get(name, [])) == 1:
            return f"{types[name][0]}.{name}"
    return resource


def load_baseline(environment: str, directory: Path = BASELINE_DIR) -> tuple[AcceptedFinding, ...]:
    path = directory / f"{environment}.toml"
    if not path.exists():
        return ()
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for index, entry in enumerate(document.get("exception", [])):
        missing = [key for key in ("check", "resource", "reason") if not str(entry.get(key, "")).strip()]
        if missing:
            raise ValueError(f"{path.name}: exception[{index}] needs {', '.join(missing)}")
        entries.append(AcceptedFinding(entry["check"], entry["resource"], entry["reason"]))
    return tuple(entries)


def gate(environment: str, failed: frozenset[Finding], passed_count: int) -> GateResult:
    baseline = load_baseline(environment)
    accepted = {entry.finding for entry in baseline}
    return GateResult(
        environment=environment,
        failed=failed,
        passed_count=passed_count,
        new=tuple(sorted(failed - accepted)),
        stale=tuple(entry for entry in baseline if entry.finding not in failed),
    )


def print_gate(environment: str, result: GateResult) -> None:
    """The environment's line of the comparison, then each new finding and each stale entry.

    `environment` is the label printed; result.environment names its baseline file, which for the
    Kubernetes scan carries a suffix."""
    accepted = len(result.failed) - len(result.new)
    print(
        f"  {environment}: {result.passed_count} passed, {accepted} accepted exceptions, "
        f"{len(result.new)} new, {len(result.stale)} stale"
    )
    for finding in result.new:
        print(f"    NEW   {finding.check} {finding.resource}")
    for entry in result.stale:
        print(f"    STALE {entry.check} {entry.resource} (no longer fails; remove it)")


def main(argv: list[str]) -> int:
    _, files = stack_files_or_exit(argv)
    # checkov's own report first, for a person to read.
    subprocess.run(
        [*checkov_command(), "--quiet", *(arg for path in files.values() for arg in ("--file", str(path)))],
        env=checkov_env(),
        check=False,
    )
    ok = True
    print("\nBaseline comparison (security/checkov-baseline/<environment>.toml):")
    for environment, (failed, passed_count) in run_checkov(files).items():
        result = gate(environment, failed, passed_count)
        print_gate(environment, result)
        ok = ok and result.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
