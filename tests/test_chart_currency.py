"""Chart pins as currency data (data/helm-charts.toml): every pin has its release date and source,
and a newer minor out past the grace days is warned once per run that uses the chart."""

from __future__ import annotations

import datetime

import pytest
from conftest import environment_settings

import main
from aks_platform.manifests import helm_charts
from aks_platform.settings import DraSettings
from aks_platform.tools.chart_currency import chart_notices, charts_used

DEC_1 = datetime.date(2026, 12, 1)


def _charts() -> dict[str, dict]:
    return {key: value for key, value in helm_charts().items() if isinstance(value, dict)}


def test_every_pin_has_its_release_date_and_source() -> None:
    for key, chart in _charts().items():
        assert isinstance(chart["released"], datetime.date), key
        assert chart["source"].strip(), key
        assert chart["releases"][chart["version"]] == chart["released"], key
        assert chart["read_on"] >= max(chart["releases"].values()), key


def test_a_newer_minor_is_warned_by_date_even_when_its_number_is_smaller() -> None:
    """The DRA driver restarted its numbering (25.12.0 -> 0.4.0): 0.4.1 is newer by date."""
    [notice] = chart_notices(DEC_1)
    assert (notice.key, notice.version, notice.newer) == ("nvidia_dra_driver", "25.12.0", "0.4.1")
    assert notice.released == datetime.date(2026, 6, 30)
    assert "154 days ago" in notice.render() and "newer_minor_grace_days = 90" in notice.render()


def test_a_newer_minor_inside_the_grace_days_is_not_warned() -> None:
    # 0.4.0 came out 2026-05-15: 90 days later it is not yet "a while".
    assert chart_notices(datetime.date(2026, 8, 13), ["nvidia_dra_driver"]) == []
    assert chart_notices(datetime.date(2026, 8, 14), ["nvidia_dra_driver"])[0].newer == "0.4.0"


def test_kueue_is_on_its_newest_known_release() -> None:
    assert chart_notices(DEC_1, ["kueue"]) == []
    kueue = _charts()["kueue"]
    assert kueue["version"] == max(kueue["releases"], key=lambda version: kueue["releases"][version])


def test_only_the_charts_an_environment_installs_are_warned(monkeypatch, capsys) -> None:
    prod = environment_settings("prod")
    assert charts_used(prod) == {"kueue"}
    with_dra = prod.model_copy(
        update={"workloads": prod.workloads.model_copy(update={"dra": DraSettings(enabled=True)})}
    )
    assert charts_used(with_dra) == {"kueue", "nvidia_dra_driver"}
    monkeypatch.setenv("AKS_TODAY", "2026-12-01")
    monkeypatch.setenv("CDKTF_ENV", "prod")
    assert main.main(["--check"]) == 0
    assert "helm-charts.toml" not in capsys.readouterr().err


@pytest.mark.parametrize("day", [DEC_1, datetime.date(2027, 6, 1)])
def test_chart_warnings_never_stop_the_gate(day: datetime.date) -> None:
    """They are warnings only: the ChartNotice has no retired state for the gate to count."""
    for notice in chart_notices(day):
        assert notice.render().startswith("warning: ")


def test_a_chart_is_warned_once_per_run_however_many_environments_use_it(monkeypatch, capsys) -> None:
    monkeypatch.setattr(main, "charts_used", lambda settings: {"nvidia_dra_driver"})
    monkeypatch.setenv("AKS_TODAY", "2026-12-01")
    monkeypatch.delenv("CDKTF_ENV", raising=False)
    assert main.main(["--check"]) == 0
    assert capsys.readouterr().err.count('nvidia_dra_driver.version = "25.12.0"') == 1
