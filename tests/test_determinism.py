"""Two synths of the same commit give byte-identical output that names no machine."""

from __future__ import annotations

import re
import socket

import pytest
from commands import Run
from conftest import ROOT

# Anything that would make the JSON depend on where or when it was synthesized.
MACHINE_MARKERS = [
    re.compile(r'"/(?:tmp|root|home|work|Users|var)/'),
    re.compile(r"[A-Za-z]:\\\\"),
    re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d"),
]


@pytest.mark.subprocess
def test_two_synths_are_byte_identical_and_portable(make_synth_run: Run, cli_run: Run) -> None:
    """`make synth` and `cdktf synth` (separate processes at different times and into different
    folders) write the same bytes, and nothing in them names a path, host or time.

    This is the whole-stack check: every file, metadata included, byte for byte. The snapshots
    (test_snapshot.py) hold each resource."""
    first = make_synth_run.check().files
    second = cli_run.check().files
    assert first.keys() == second.keys()
    assert "stacks/ai-conformant-aks-dev/cdk.tf.json" in first
    assert "stacks/ai-conformant-aks-prod/cdk.tf.json" in first
    for name in first:
        assert first[name] == second[name], f"{name} differs between two synths"
    host = socket.gethostname()
    for name, content in first.items():
        text = content.decode()
        assert str(ROOT) not in text and str(make_synth_run.out) not in text, name
        assert str(cli_run.out) not in text, name
        for marker in MACHINE_MARKERS:
            assert not marker.search(text), f"{name}: {marker.pattern}"
        if len(host) > 3:
            assert f'"{host}"' not in text, f"{name} names this machine"


def test_the_markers_find_what_they_are_for() -> None:
    """The check above can fail: each marker matches the kind of text it stands for."""
    samples = ['{"path": "/home/user/x"}', '{"path": "C:\\\\\\\\Users"}', '"2026-11-27T06:07:00Z"']
    for marker, sample in zip(MACHINE_MARKERS, samples, strict=True):
        assert marker.search(sample), (marker.pattern, sample)
