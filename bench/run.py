"""Synth benchmark: this app against what every cdktf Python app on azurerm pays to start.

Runs each command in a fresh process, alternating the commands within each repetition so that
machine noise spreads evenly, and measures wall time and the peak memory of the whole process
tree (Python plus the jsii Node processes). Prints a table with ratios to the baseline and the
per-stack slope, and writes bench/results/<date>.json.

    python bench/run.py [--repetitions 5] [--skip-full-suite]     (make bench)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SCALE_ENVIRONMENTS = (1, 10, 50)
POLL_SECONDS = 0.02
TARGETS = {
    "app / baseline": 0.3,
    "tests (in-process) / baseline": 0.5,
    "make test / baseline": 1.5,
    "seconds per extra stack": 0.3,
    "MB per extra stack": 25.0,
}


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    walls: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "walls_s": [round(wall, 3) for wall in self.walls],
            "wall_median_s": round(statistics.median(self.walls), 3),
            "wall_min_s": round(min(self.walls), 3),
            "wall_max_s": round(max(self.walls), 3),
            "wall_stdev_s": round(statistics.pstdev(self.walls), 3),
            "peak_mb_median": round(statistics.median(self.peaks_mb), 1),
            "peak_mb_min": round(min(self.peaks_mb), 1),
            "peak_mb_max": round(max(self.peaks_mb), 1),
        }


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        # A process may exit between listing and reading.
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def measure(command: Command, base_env: dict[str, str]) -> None:
    env = {**base_env, **command.env}
    peak = 0
    done = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(
        command.argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    watched = psutil.Process(process.pid)

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(watched))
            except psutil.Error:
                return
            time.sleep(POLL_SECONDS)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    poller.join()
    if process.returncode != 0:
        sys.exit(f"{command.name} failed ({process.returncode}):\n{output.decode()[-3000:]}")
    command.walls.append(wall)
    command.peaks_mb.append(peak / 2**20)


def write_environments(folder: Path, count: int) -> None:
    """`count` copies of the dev environment, each its own stack."""
    folder.mkdir(parents=True)
    dev = (ROOT / "environments" / "dev.toml").read_text()
    for index in range(1, count + 1):
        text = dev.replace('prefix = "aks-ai-conformant-dev"', f'prefix = "aks-ai-conformant-d{index}"')
        (folder / f"d{index}.toml").write_text(text)


def slope(xs: list[float], ys: list[float]) -> float:
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return numerator / sum((x - mean_x) ** 2 for x in xs)


def versions() -> dict[str, str]:
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    found = {"python": platform.python_version(), "node": node}
    for package in ("cdktf", "cdktf-cdktf-provider-azurerm", "jsii", "pytest"):
        found[package] = metadata.version(package)
    cli = ROOT / "node_modules" / "cdktf-cli" / "package.json"
    if cli.exists():
        found["cdktf-cli"] = json.loads(cli.read_text())["version"]
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--skip-full-suite", action="store_true", help="leave out the full test suite")
    args = parser.parse_args(argv)
    if args.repetitions < 1:
        parser.error("--repetitions must be at least 1")

    python = sys.executable
    cdktf = shutil.which("cdktf")
    if cdktf is None:
        sys.exit("the cdktf CLI is not on PATH: run `make bench` (it runs `make install` first)")
    base_env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    base_env.pop("CDKTF_ENV", None)

    with tempfile.TemporaryDirectory(prefix="aks-bench-") as scratch_name:
        scratch = Path(scratch_name)
        commands = [
            Command("baseline", [python, "-c", "import cdktf, cdktf_cdktf_provider_azurerm"]),
            Command("app", [python, "main.py"], {"CDKTF_OUTDIR": str(scratch / "app")}),
            Command(
                "app (standard import)",
                [python, "main.py"],
                {"CDKTF_OUTDIR": str(scratch / "app-std"), "AKS_FAST_PROVIDER_IMPORT": "0"},
            ),
            Command("cli", [cdktf, "synth", "--output", str(scratch / "cli")]),
            Command(
                "tests (in-process)",
                [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not subprocess"],
            ),
        ]
        if not args.skip_full_suite:
            # What every change and every CI run pays: ruff, the settings check and the whole suite.
            commands.append(Command("make test", ["make", "--no-print-directory", "test"]))
            # What CI runs after it: the comparison with the standard provider import.
            commands.append(
                Command("make test-standard-import", ["make", "--no-print-directory", "test-standard-import"])
            )
        for count in SCALE_ENVIRONMENTS:
            folder = scratch / f"environments-{count}"
            write_environments(folder, count)
            commands.append(
                Command(
                    f"scale: {count} environments",
                    [python, "main.py"],
                    {"AKS_ENVIRONMENTS_DIR": str(folder), "CDKTF_OUTDIR": str(scratch / f"scale-{count}")},
                )
            )

        for repetition in range(1, args.repetitions + 1):
            for command in commands:
                print(f"[{repetition}/{args.repetitions}] {command.name}", flush=True)
                measure(command, base_env)
        # Each dev copy is a cluster and a workloads stack: count what was written.
        stack_counts = {
            count: len(list((scratch / f"scale-{count}" / "stacks").glob("*/cdk.tf.json")))
            for count in SCALE_ENVIRONMENTS
        }

    summaries = {command.name: command.summary() for command in commands}
    baseline = summaries["baseline"]
    for summary in summaries.values():
        summary["wall_ratio_to_baseline"] = round(summary["wall_median_s"] / baseline["wall_median_s"], 3)
        summary["peak_ratio_to_baseline"] = round(summary["peak_mb_median"] / baseline["peak_mb_median"], 3)
    scale = [summaries[f"scale: {count} environments"] for count in SCALE_ENVIRONMENTS]
    stacks = [stack_counts[count] for count in SCALE_ENVIRONMENTS]
    per_stack = {
        "seconds per extra stack": round(slope(stacks, [s["wall_median_s"] for s in scale]), 4),
        "MB per extra stack": round(slope(stacks, [s["peak_mb_median"] for s in scale]), 2),
    }
    checks = {
        "app / baseline": summaries["app"]["wall_ratio_to_baseline"],
        "tests (in-process) / baseline": summaries["tests (in-process)"]["wall_ratio_to_baseline"],
        **per_stack,
    }
    if "make test" in summaries:
        checks["make test / baseline"] = summaries["make test"]["wall_ratio_to_baseline"]
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": {
            "cpu_count": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "platform": platform.platform(),
            "processor": platform.machine(),
        },
        "versions": versions(),
        "repetitions": args.repetitions,
        # What the suite's runs were given beyond their own arguments (a test left out, say).
        "pytest_addopts": os.environ.get("PYTEST_ADDOPTS", ""),
        "commands": summaries,
        "stacks_per_scale_run": {str(count): stack_counts[count] for count in SCALE_ENVIRONMENTS},
        "per_stack": per_stack,
        "targets": {
            name: {"target": TARGETS[name], "measured": value, "met": value <= TARGETS[name]}
            for name, value in checks.items()
        },
        "app_peak_not_above_baseline": summaries["app"]["peak_mb_median"] <= baseline["peak_mb_median"],
    }

    print()
    print(f"{'command':28} {'median s':>9} {'min-max s':>13} {'peak MB':>8} {'x wall':>7} {'x peak':>7}")
    for name, summary in summaries.items():
        spread = f"{summary['wall_min_s']:.2f}-{summary['wall_max_s']:.2f}"
        print(
            f"{name:28} {summary['wall_median_s']:9.2f} {spread:>13} {summary['peak_mb_median']:8.0f} "
            f"{summary['wall_ratio_to_baseline']:7.2f} {summary['peak_ratio_to_baseline']:7.2f}"
        )
    print()
    for name, target in report["targets"].items():
        verdict = "met" if target["met"] else "MISSED"
        print(f"{name:32} {target['measured']:>8} (target <= {target['target']}) {verdict}")
    verdict = "met" if report["app_peak_not_above_baseline"] else "MISSED"
    print(f"{'app peak memory <= baseline':32} {verdict}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{report['date']}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
