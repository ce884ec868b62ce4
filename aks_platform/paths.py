"""Where the project's data lives, relative to the repository root (never a machine's path in output)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ENVIRONMENTS = ROOT / "environments"
TEMPLATES = ROOT / "templates"
BASELINES = ROOT / "security" / "checkov-baseline"
CONFORMANCE_REPORTS = ROOT / "conformance"
