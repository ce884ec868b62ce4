"""Two synths of the same commit give byte-identical output that names no machine."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

# Anything that would make the JSON depend on where or when it was synthesized.
MACHINE_MARKERS = [
    re.compile(r'"/(?:tmp|root|home|work|Users|var)/'),
    re.compile(r"[A-Za-z]:\\\\"),
    re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d"),
]


def synth_into(out: Path, extra_env: dict[str, str] | None = None) -> dict[str, bytes]:
    env = {**os.environ, "CDKTF_OUTDIR": str(out), **(extra_env or {})}
    env.pop("CDKTF_ENV", None)
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {
        str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()
    }


@pytest.mark.subprocess
def test_two_synths_are_byte_identical_and_portable(tmp_path: Path) -> None:
    first = synth_into(tmp_path / "first")
    second = synth_into(tmp_path / "second")
    assert first.keys() == second.keys()
    assert "stacks/ai-conformant-aks-dev/cdk.tf.json" in first
    assert "stacks/ai-conformant-aks-prod/cdk.tf.json" in first
    for name in first:
        assert first[name] == second[name], f"{name} differs between two synths"
    host = socket.gethostname()
    for name, content in first.items():
        text = content.decode()
        assert str(ROOT) not in text and str(tmp_path) not in text, name
        for marker in MACHINE_MARKERS:
            assert not marker.search(text), f"{name}: {marker.pattern}"
        if len(host) > 3:
            assert f'"{host}"' not in text, f"{name} names this machine"
