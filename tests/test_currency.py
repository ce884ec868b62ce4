"""Version currency: warnings for what is past or near its end of support, the deploy gate, and
`make refresh-versions` parsing recorded Azure CLI output (tests/data/README.md says whence its shape)."""

from __future__ import annotations

import datetime
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import environment_settings

import main
from aks_platform import refresh_versions
from aks_platform.currency import currency_notices
from aks_platform.settings import ClusterSettings, IstioSettings
from aks_platform.versions import VERSIONS_TABLE, load_table

DATA = Path(__file__).parent / "data"
NOV_27 = datetime.date(2026, 11, 27)


def _notices(environment: str, day: datetime.date, **changes: object) -> list[tuple[str, str, bool]]:
    settings = environment_settings(environment)
    if changes:
        settings = settings.model_copy(update=changes)
    return [(notice.key, notice.value, notice.retired) for notice in currency_notices(settings, day)]


def test_dev_keeps_main_tf_versions_and_is_told_they_are_past_support() -> None:
    assert _notices("dev", NOV_27) == [
        # 1.34 leaves standard support on 2026-11-30: within the 30-day window, not yet retired.
        ("cluster.kubernetes_version", "1.34.2", False),
        # 1.34.3 shipped 2025-12-09; 60 days later 1.34.2 was most likely removed.
        ("cluster.kubernetes_version", "1.34.2", True),
        # asm-1-28 reached end of life at the end of August 2026.
        ("istio.revisions[0]", "asm-1-28", True),
    ]


def test_each_notice_names_the_date_and_the_fix() -> None:
    rendered = [
        notice.render("environments/dev.toml")
        for notice in currency_notices(environment_settings("dev"), NOV_27)
    ]
    assert rendered[0].startswith('warning: environments/dev.toml: cluster.kubernetes_version = "1.34.2"')
    assert "leaves standard support on 2026-11-30" in rendered[0]
    assert 'support_plan = "AKSLongTermSupport"' in rendered[0]
    assert "2026-02-07" in rendered[1] and 'minor alias "1.34"' in rendered[1]
    assert rendered[2].startswith('retired: environments/dev.toml: istio.revisions[0] = "asm-1-28"')
    assert "end of life on 2026-08-31" in rendered[2]
    for line in rendered:
        assert "fix: " in line and '"1.36"' in line and '"asm-1-30"' in line


def test_prod_deploys_today_and_is_warned_before_its_minor_ends() -> None:
    assert _notices("prod", NOV_27) == []
    # 1.36 leaves standard support at the end of June 2027: warned in June, retired in July.
    assert _notices("prod", datetime.date(2027, 6, 15)) == [("cluster.kubernetes_version", "1.36", False)]
    assert _notices("prod", datetime.date(2027, 7, 15)) == [("cluster.kubernetes_version", "1.36", True)]


def test_long_term_support_covers_a_minor_past_standard_support() -> None:
    lts = ClusterSettings(kubernetes_version="1.34", sku_tier="Premium", support_plan="AKSLongTermSupport")
    istio = IstioSettings(revisions=("asm-1-30",))
    assert _notices("dev", datetime.date(2027, 1, 15), cluster=lts, istio=istio) == []
    # The same minor without the LTS plan is retired after 2026-11-30.
    standard = ClusterSettings(kubernetes_version="1.34")
    assert _notices("dev", datetime.date(2027, 1, 15), cluster=standard, istio=istio) == [
        ("cluster.kubernetes_version", "1.34", True)
    ]
    # And LTS ends too.
    assert _notices("dev", datetime.date(2028, 1, 15), cluster=lts, istio=istio) == [
        ("cluster.kubernetes_version", "1.34", True)
    ]


def test_the_recommended_pair_is_the_newest_supported_one() -> None:
    table = load_table()
    assert table.recommended(NOV_27) == ("1.36", "asm-1-30")
    # Once every minor in the table is past standard support, nothing is recommended.
    assert table.recommended(datetime.date(2030, 1, 1)) is None


def _gate(monkeypatch: pytest.MonkeyPatch, capsys, *, env: str = "", allow: str = "") -> tuple[int, str]:
    monkeypatch.setenv("AKS_TODAY", "2026-11-27")
    monkeypatch.setenv("CDKTF_ENV", env)
    if allow:
        monkeypatch.setenv("ALLOW_RETIRED", allow)
    else:
        monkeypatch.delenv("ALLOW_RETIRED", raising=False)
    code = main.main(["--check", "--deploy-gate"])
    return code, capsys.readouterr().err


def test_deploy_gate_refuses_retired_versions(monkeypatch, capsys) -> None:
    code, stderr = _gate(monkeypatch, capsys, env="dev")
    assert code == 3
    assert "refusing to deploy: 2 version(s) past their end of support on 2026-11-27" in stderr
    assert "ALLOW_RETIRED=1" in stderr


def test_deploy_gate_lets_a_current_environment_through(monkeypatch, capsys) -> None:
    code, stderr = _gate(monkeypatch, capsys, env="prod")
    assert (code, stderr) == (0, "")


def test_allow_retired_overrides_the_gate(monkeypatch, capsys) -> None:
    code, stderr = _gate(monkeypatch, capsys, env="dev", allow="1")
    assert code == 0
    assert "ALLOW_RETIRED=1: deploying 2 retired version(s) anyway" in stderr


def test_check_without_the_gate_only_warns(monkeypatch, capsys) -> None:
    monkeypatch.setenv("AKS_TODAY", "2026-11-27")
    monkeypatch.delenv("CDKTF_ENV", raising=False)
    assert main.main(["--check"]) == 0
    stderr = capsys.readouterr().err
    assert stderr.count("retired: environments/dev.toml") == 2
    assert "warning: environments/dev.toml" in stderr


# --- make refresh-versions -----------------------------------------------------------------


def _recorded() -> tuple[list, list]:
    versions = refresh_versions.parse_versions(json.loads((DATA / "az-aks-get-versions.json").read_text()))
    revisions = refresh_versions.parse_revisions(
        json.loads((DATA / "az-aks-mesh-get-revisions.json").read_text())
    )
    return versions, revisions


def test_parser_reads_the_cli_shapes() -> None:
    versions, revisions = _recorded()
    assert [(minor.version, minor.preview, minor.patches) for minor in versions] == [
        ("1.34", False, ("1.34.9", "1.34.10")),
        ("1.35", False, ("1.35.6", "1.35.7")),
        ("1.36", False, ("1.36.3", "1.36.5")),
        ("1.37", True, ("1.37.0",)),
    ]
    assert versions[0].support_plans == ("KubernetesOfficial", "AKSLongTermSupport")
    assert [
        (revision.revision, revision.kubernetes[0], revision.kubernetes[-1]) for revision in revisions
    ] == [
        ("asm-1-29", "1.31", "1.36"),
        ("asm-1-30", "1.32", "1.37"),
    ]


def test_parser_reads_the_older_whole_profile_shape() -> None:
    whole = {"properties": json.loads((DATA / "az-aks-mesh-get-revisions.json").read_text())}
    assert [revision.revision for revision in refresh_versions.parse_revisions(whole)] == [
        "asm-1-29",
        "asm-1-30",
    ]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"orchestrators": []}, '"values" array'),
        ({"values": [{"patchVersions": {}}]}, 'values[0] has no "version"'),
        ({"values": [{"version": "1.36", "patchVersions": ["1.36.3"]}]}, "patchVersions is not an object"),
    ],
)
def test_parser_refuses_other_shapes(document: dict, message: str) -> None:
    with pytest.raises(refresh_versions.RefreshError, match=message.replace("[", r"\[")):
        refresh_versions.parse_versions(document)


def test_merge_adds_patches_and_offers_and_keeps_hand_written_dates() -> None:
    versions, revisions = _recorded()
    table = tomllib.loads(VERSIONS_TABLE.read_text())
    day = datetime.date(2026, 11, 27)
    merged, changes = refresh_versions.merge(table, versions, revisions, "eastus2", day)
    minor = merged["kubernetes"]["1.36"]
    assert minor["patches"]["1.36.5"] == day  # first seen today
    assert minor["patches"]["1.36.3"] == datetime.date(2026, 7, 14)  # unchanged
    assert minor["offered"] == ["1.36.3", "1.36.5"]
    assert (minor["offered_in"], minor["offered_on"]) == ("eastus2", day)
    assert minor["end_of_standard_support"] == table["kubernetes"]["1.36"]["end_of_standard_support"]
    assert "1.37" not in merged["kubernetes"]  # preview minors are not offered for production
    assert merged["istio"]["asm-1-30"]["max_kubernetes"] == "1.37"
    assert merged["istio"]["asm-1-28"] == table["istio"]["asm-1-28"]  # not listed: left as written
    assert merged["as_of"] == day
    assert "new patch 1.36.5" in changes
    assert "asm-1-30 now supports Kubernetes 1.32-1.37" in changes


def test_refresh_writes_a_table_the_app_reads_and_keeps_the_header(tmp_path: Path, capsys) -> None:
    table = tmp_path / "aks-versions.toml"
    shutil.copy(VERSIONS_TABLE, table)
    code = refresh_versions.main(
        [
            "--location=eastus2",
            f"--versions-json={DATA / 'az-aks-get-versions.json'}",
            f"--revisions-json={DATA / 'az-aks-mesh-get-revisions.json'}",
            f"--table={table}",
        ]
    )
    assert code == 0
    assert "new patch 1.36.5" in capsys.readouterr().out
    text = table.read_text()
    assert text.startswith(VERSIONS_TABLE.read_text().split("\nas_of", 1)[0])
    load_table.cache_clear()
    try:
        refreshed = load_table(table)
        assert refreshed.kubernetes["1.34"].offered == ("1.34.9", "1.34.10")
        # With the region's answer on record, a pinned patch it does not offer is retired by that.
        settings = environment_settings("dev")
        notices = currency_notices(settings, NOV_27, refreshed)
        assert any("did not offer it in eastus2" in notice.message and notice.retired for notice in notices)
    finally:
        load_table.cache_clear()


def test_refresh_without_az_says_what_to_do(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    table = tmp_path / "aks-versions.toml"
    shutil.copy(VERSIONS_TABLE, table)
    before = table.read_text()
    assert refresh_versions.main(["--location=eastus2", f"--table={table}"]) == 2
    assert "the Azure CLI (az) is not installed" in capsys.readouterr().err
    assert table.read_text() == before
