"""The look-ahead: what the shipped environments will need changed within 60 days (docs/versions.md).

The report itself never fails: the live test turns it into a pytest warning (shown in the run's
warnings summary) so it is read, not hidden. The fixed-date tests check how it is computed."""

from __future__ import annotations

import datetime
import json
import warnings
from pathlib import Path

from conftest import Stack

from aks_platform.currency import currency_notices
from aks_platform.environments import load_environments
from aks_platform.tools import look_ahead
from aks_platform.versions import today

DEC_1 = datetime.date(2026, 12, 1)


class LookAhead(UserWarning):
    """Values of the shipped environments that will need a change within the look-ahead window."""


def test_the_look_ahead_of_the_shipped_environments_is_reported() -> None:
    lines = look_ahead.version_report(look_ahead.ENVIRONMENTS_DIR, today())
    assert lines[0].startswith("Look-ahead to ")
    if lines[1:] != ["  none"]:
        warnings.warn(LookAhead("\n".join(lines)), stacklevel=1)


def test_on_2026_12_01_asm_1_30_is_what_will_need_a_change() -> None:
    environments = load_environments()
    coming = look_ahead.coming_changes(environments, DEC_1)
    assert sorted((entry.environment, entry.notice.key, entry.notice.value) for entry in coming) == [
        ("dev", "istio.revisions[0]", "asm-1-30"),
        ("prod", "istio.revisions[0]", "asm-1-30"),
    ]
    for entry in coming:
        assert entry.day == DEC_1 + datetime.timedelta(days=60)
        # Deploys today, retired then.
        assert not any(n.retired for n in currency_notices(environments[entry.environment], DEC_1))
        assert entry.notice.retired


def test_a_value_already_retired_is_not_listed_as_coming() -> None:
    from conftest import FIXTURE_ENVIRONMENTS

    assert look_ahead.version_report(FIXTURE_ENVIRONMENTS, DEC_1)[1:] == ["  none"]


def test_the_checklist_look_ahead_names_what_prod_would_lack_on_1_37(
    tmp_path: Path, prod_stack: Stack, prod_workloads: Stack
) -> None:
    for name, stack in (
        ("ai-conformant-aks-prod", prod_stack),
        ("ai-conformant-aks-prod-workloads", prod_workloads),
    ):
        folder = tmp_path / "stacks" / name
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(stack))
    [line] = look_ahead.checklist_report(tmp_path)
    assert line.startswith("On the 1.37 AI conformance checklist, prod (on 1.36 today) would lack: ")
    assert "workload_sandboxing" in line
    # Not applicable is not lacking (no virtualized accelerators on these pools).
    assert "virtualized_accelerator" not in line
