"""`make new-env NAME=staging FROM=dev`: a new environment in one step.

Writes environments/<NAME>.toml from <FROM>'s file with its own prefix, and the security
baselines the checkov gates need (security/checkov-baseline/<NAME>.toml, -workloads.toml and
-kubernetes.toml, the applied objects' scan),
every accepted finding carried over and marked for review. Refuses to overwrite.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from aks_platform.environments import ENVIRONMENT_NAME, ENVIRONMENTS_DIR, environment_files
from aks_platform.paths import BASELINES, ROOT

REVIEW = "carried over from {source} by make new-env: review for {name}"
NEW_HEADER = """\
# {name}: created by make new-env from {source}.toml. Review every value below: each was {source}'s,
# with only the prefix changed. Everything not written here is the settings model's default
# (docs/settings.md). Kubernetes and Istio versions must be ones AKS offers: make deploy's gate checks
# them against data/aks-versions.toml, and docs/versions.md says what to watch.

"""
PREFIX_LINE = re.compile(r'^prefix\s*=\s*"(?P<prefix>[^"]*)"\s*$', re.MULTILINE)


def new_prefix(prefix: str, source: str, name: str) -> str:
    """The source's prefix with its environment suffix swapped: aks-ai-conformant-dev -> ...-staging."""
    base = prefix.removesuffix(f"-{source}")
    return f"{base}-{name}"


def baseline_text(text: str, source: str, name: str) -> str:
    """A baseline with every reason prefixed by a review note; comments and checks kept."""
    note = REVIEW.format(source=source, name=name)
    return re.sub(r'^(reason\s*=\s*")', lambda match: f"{match[1]}({note}) ", text, flags=re.MULTILINE)


def create(
    name: str, source: str, environments: Path = ENVIRONMENTS_DIR, baselines: Path = BASELINES
) -> list[Path]:
    files = environment_files(environments)
    if not ENVIRONMENT_NAME.match(name):
        raise NewEnvironmentError(
            f"NAME={name}: use 1-16 lowercase letters, digits or '-', starting with a letter"
        )
    if source not in files:
        raise NewEnvironmentError(f"FROM={source}: no such environment; environments: {', '.join(files)}")
    target = environments / f"{name}.toml"
    # Baselines are per stack: <environment>.toml and, where the source has them, -workloads.toml and
    # -kubernetes.toml (aks_platform/tools/kubernetes_scan.py).
    copies = {
        baselines / f"{source}{suffix}.toml": baselines / f"{name}{suffix}.toml"
        for suffix in ("", "-workloads", "-kubernetes")
        if (baselines / f"{source}{suffix}.toml").exists()
    }
    written = [target, *copies.values()]
    existing = [path for path in written if path.exists()]
    if existing:
        raise NewEnvironmentError(
            f"{', '.join(_show(path) for path in existing)} exists already: pick another NAME"
        )
    text = files[source].read_text(encoding="utf-8")
    prefix = tomllib.loads(text)["prefix"]
    text = PREFIX_LINE.sub(f'prefix = "{new_prefix(prefix, source, name)}"', text, count=1)
    # The editor's schema line stays first, where Taplo looks for it; the source's own header (what
    # that environment is, and why it differs from main.tf) is not this one's, so it is replaced.
    schema_line, rest = text.split("\n", 1) if text.startswith("#:schema") else ("", text)
    header = NEW_HEADER.format(name=name, source=source)
    body = _without_leading_comments(rest)
    target.write_text((schema_line + "\n" if schema_line else "") + header + body, encoding="utf-8")
    for source_baseline, path in copies.items():
        path.write_text(
            baseline_text(source_baseline.read_text(encoding="utf-8"), source, name), encoding="utf-8"
        )
    return written


def _without_leading_comments(text: str) -> str:
    """The file after its leading comment block (the comments on each value below it are kept)."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        start += 1
    return "".join(lines[start:])


class NewEnvironmentError(ValueError):
    """NAME or FROM is not usable."""


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: make new-env NAME=<environment> FROM=<existing environment>", file=sys.stderr)
        return 2
    name, source = argv
    try:
        written = create(name, source)
    except NewEnvironmentError as error:
        print(f"new-env: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"  wrote {_show(path)}")
    print(f"Edit {_show(written[0])} (at least prefix and location), then: make synth")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
