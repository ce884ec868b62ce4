"""Version currency: warnings for what is past or near its end of support, the deploy gate, and
`make refresh-versions` parsing recorded Azure CLI output (tests/data/README.md says whence its shape)."""

from __future__ import annotations

import datetime
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import FIXTURE_ENVIRONMENTS, MAIN_TF, environment_settings
from notice_fixes import with_fix

import main
from aks_platform.currency import currency_notices
from aks_platform.environments import check_document, environment_files, load_environments
from aks_platform.paths import BASELINES, ENVIRONMENTS
from aks_platform.settings import ClusterSettings, IstioSettings
from aks_platform.tools import refresh_versions
from aks_platform.versions import VERSIONS_TABLE, load_table, stale_warning

DATA = Path(__file__).parent / "data"
NOV_27 = datetime.date(2026, 11, 27)
DEC_1 = datetime.date(2026, 12, 1)


def _settings(environment: str):
    """environments/<environment>.toml, or the main.tf fixture (main-tf: main.tf's retired versions)."""
    if environment == MAIN_TF:
        return load_environments(FIXTURE_ENVIRONMENTS, only=[MAIN_TF])[MAIN_TF]
    return environment_settings(environment)


def _notices(environment: str, day: datetime.date, **changes: object) -> list[tuple[str, str, bool]]:
    settings = _settings(environment)
    if changes:
        settings = settings.model_copy(update=changes)
    return [(notice.key, notice.value, notice.retired) for notice in currency_notices(settings, day)]


def test_main_tf_versions_are_told_they_are_past_support() -> None:
    assert _notices(MAIN_TF, NOV_27) == [
        # 1.34 leaves standard support on 2026-11-30: within the 30-day window, not yet retired.
        ("cluster.kubernetes_version", "1.34.2", False),
        # 1.34.3 shipped 2025-12-09; 60 days later 1.34.2 was most likely removed.
        ("cluster.kubernetes_version", "1.34.2", True),
        # asm-1-28 reached end of life at the end of August 2026.
        ("istio.revisions[0]", "asm-1-28", True),
    ]


def test_each_notice_names_the_date_and_the_fix() -> None:
    file = "tests/fixtures/environments/main-tf.toml"
    rendered = [notice.render(file) for notice in currency_notices(_settings(MAIN_TF), NOV_27)]
    assert rendered[0].startswith(f'warning: {file}: cluster.kubernetes_version = "1.34.2"')
    assert "leaves standard support on 2026-11-30" in rendered[0]
    assert 'support_plan = "AKSLongTermSupport"' in rendered[0]
    # On 2026-11-27 the 1.34 alias is still creatable, so it is one way out.
    assert "2026-02-07" in rendered[1]
    alias = 'cluster.kubernetes_version = "1.34" and cluster.automatic_upgrade_channel = "patch"'
    assert alias in rendered[1]
    assert rendered[2].startswith(f'retired: {file}: istio.revisions[0] = "asm-1-28"')
    assert "end of life on 2026-08-31" in rendered[2]
    for line in rendered:
        assert "fix: " in line and 'cluster.kubernetes_version = "1.36"' in line and '"asm-1-30"' in line


def test_a_retired_minor_is_not_offered_as_its_own_fix() -> None:
    """The old advice for a pinned 1.34 patch ("write the minor alias 1.34") is refused once 1.34
    left standard support: from 2026-12-01 only the recommended pair is offered."""
    notices = currency_notices(_settings(MAIN_TF), DEC_1)
    patch = next(notice for notice in notices if "patch shipped" in notice.message)
    assert patch.fixes == ((("cluster.kubernetes_version", "1.36"), ("istio.revisions", ["asm-1-30"])),)


def test_shipped_environments_deploy_today() -> None:
    """dev and prod pass the gate on 2026-12-01; asm-1-30's December end of life is warned only."""
    for environment in environment_files():
        assert _notices(environment, DEC_1) == [("istio.revisions[0]", "asm-1-30", False)], environment


def test_prod_is_warned_before_its_minor_ends() -> None:
    # 1.36 leaves standard support at the end of June 2027: warned in June, retired in July
    # (asm-1-30, past its end of life by then, is retired as well).
    assert ("cluster.kubernetes_version", "1.36", False) in _notices("prod", datetime.date(2027, 6, 15))
    assert ("cluster.kubernetes_version", "1.36", True) in _notices("prod", datetime.date(2027, 7, 15))


def test_a_warning_without_anything_newer_says_so_instead_of_proposing_the_same_values() -> None:
    notice = currency_notices(environment_settings("dev"), DEC_1)[0]
    assert notice.fixes == ()
    assert "nothing newer is in data/aks-versions.toml yet: run make refresh-versions" in notice.fix


def test_long_term_support_covers_a_minor_past_standard_support() -> None:
    lts = ClusterSettings(kubernetes_version="1.34", sku_tier="Premium", support_plan="AKSLongTermSupport")
    istio = IstioSettings(enabled=False)
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


def test_an_unconfirmed_ga_is_warned_on_every_run_and_never_retired() -> None:
    """1.37's AKS GA is only announced (ga_confirmed = false): the gate lets it through with a
    warning that says so, and it is never the recommended fix."""
    cluster = ClusterSettings(kubernetes_version="1.37", automatic_upgrade_channel="patch")
    notices = currency_notices(environment_settings("dev").model_copy(update={"cluster": cluster}), DEC_1)
    unconfirmed = [notice for notice in notices if notice.key == "cluster.kubernetes_version"]
    said = [(notice.retired, "is not confirmed" in notice.message) for notice in unconfirmed]
    assert said == [(False, True)]
    assert load_table().recommended(DEC_1) == ("1.36", "asm-1-30")


def test_the_recommended_pair_is_the_newest_supported_one() -> None:
    table = load_table()
    assert table.recommended(NOV_27) == ("1.36", "asm-1-30")
    # Once every minor in the table is past standard support, nothing is recommended.
    assert table.recommended(datetime.date(2030, 1, 1)) is None


def _gate(monkeypatch: pytest.MonkeyPatch, capsys, *, env: str = "", allow: str = "") -> tuple[int, str]:
    monkeypatch.setenv("AKS_TODAY", "2026-12-01")
    monkeypatch.setenv("CDKTF_ENV", env)
    if allow:
        monkeypatch.setenv("ALLOW_RETIRED", allow)
    else:
        monkeypatch.delenv("ALLOW_RETIRED", raising=False)
    folder = ["--environments", str(FIXTURE_ENVIRONMENTS)] if env == MAIN_TF else []
    code = main.main(["--check", "--deploy-gate", *folder])
    return code, capsys.readouterr().err


def test_deploy_gate_refuses_retired_versions(monkeypatch, capsys) -> None:
    code, stderr = _gate(monkeypatch, capsys, env=MAIN_TF)
    assert code == 3
    # Two versions: 1.34.2 (two notices: its minor and its patch) and asm-1-28.
    assert "refusing to deploy: 2 version(s) past their end of support on 2026-12-01" in stderr
    assert "ALLOW_RETIRED=1" in stderr


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_deploy_gate_lets_the_shipped_environments_through(monkeypatch, capsys, environment: str) -> None:
    code, stderr = _gate(monkeypatch, capsys, env=environment)
    assert code == 0
    assert "retired" not in stderr and "refusing" not in stderr


def test_allow_retired_overrides_the_gate(monkeypatch, capsys) -> None:
    code, stderr = _gate(monkeypatch, capsys, env=MAIN_TF, allow="1")
    assert code == 0
    assert "ALLOW_RETIRED=1: deploying 2 retired version(s) anyway" in stderr


def test_check_without_the_gate_only_warns(monkeypatch, capsys) -> None:
    monkeypatch.setenv("AKS_TODAY", "2026-12-01")
    monkeypatch.delenv("CDKTF_ENV", raising=False)
    assert main.main(["--check", "--environments", str(FIXTURE_ENVIRONMENTS)]) == 0
    stderr = capsys.readouterr().err
    assert stderr.count("retired: tests/fixtures/environments/main-tf.toml") == 3


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
    day = datetime.date(2026, 12, 2)  # after the table's as_of, which the merge moves forward
    merged, changes = refresh_versions.merge(table, versions, revisions, "eastus2", day)
    minor = merged["kubernetes"]["1.36"]
    assert minor["patches"]["1.36.5"] == day  # first seen today
    assert minor["patches"]["1.36.3"] == datetime.date(2026, 7, 14)  # unchanged
    assert minor["offered"] == ["1.36.3", "1.36.5"]
    assert (minor["offered_in"], minor["offered_on"]) == ("eastus2", day)
    assert minor["end_of_standard_support"] == table["kubernetes"]["1.36"]["end_of_standard_support"]
    # A preview minor is not offered for production: 1.37 (in the table, GA unconfirmed) stays as written.
    assert merged["kubernetes"]["1.37"] == table["kubernetes"]["1.37"]
    assert merged["istio"]["asm-1-30"]["max_kubernetes"] == "1.37"
    assert merged["istio"]["asm-1-28"] == table["istio"]["asm-1-28"]  # not listed: left as written
    assert merged["as_of"] == day
    assert "new patch 1.36.5" in changes
    assert "asm-1-30 now supports Kubernetes 1.32-1.37" in changes


def test_merge_confirms_a_ga_the_region_lists() -> None:
    document = json.loads((DATA / "az-aks-get-versions.json").read_text())
    for entry in document["values"]:
        entry["isPreview"] = False  # as if 1.37 were GA in the region
    versions = refresh_versions.parse_versions(document)
    table = tomllib.loads(VERSIONS_TABLE.read_text())
    assert table["kubernetes"]["1.37"]["ga_confirmed"] is False
    merged, changes = refresh_versions.merge(table, versions, [], "eastus2", datetime.date(2026, 12, 2))
    assert merged["kubernetes"]["1.37"]["ga_confirmed"] is True
    assert "1.37 GA confirmed: listed as GA in eastus2 on 2026-12-02" in changes


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
        settings = _settings(MAIN_TF)
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


# --- every printed fix passes the gate on the day it is printed ------------------------------------


def _document(environment: str) -> dict:
    folder = FIXTURE_ENVIRONMENTS if environment == MAIN_TF else ENVIRONMENTS
    return tomllib.loads((folder / f"{environment}.toml").read_text())


# Environments and days whose notices carry fixes: main.tf's retired versions before and after 1.34
# left standard support, dev and prod near asm-1-30's end, prod as 1.36 ends, and a pinned patch of a
# minor still in support.
FIX_CASES = [
    (MAIN_TF, NOV_27, {}),
    (MAIN_TF, DEC_1, {}),
    ("dev", DEC_1, {}),
    ("prod", DEC_1, {}),
    ("prod", datetime.date(2027, 6, 15), {}),
    (
        "dev",
        DEC_1,
        {
            "cluster": {
                "kubernetes_version": "1.35.2",
                "automatic_upgrade_channel": "node-image",
                "node_os_upgrade_channel": "NodeImage",
            }
        },
    ),
    # No Istio revision supports 1.37 yet: the mesh off, so only the unconfirmed GA is said.
    (
        "dev",
        DEC_1,
        {
            "cluster": {"kubernetes_version": "1.37"},
            "istio": {"enabled": False},
            "workloads": {"inference_routing": {"enabled": False}},
        },
    ),
    ("dev", DEC_1, {"cluster": {"kubernetes_version": "1.34"}, "istio": {"revisions": ["asm-1-29"]}}),
]


@pytest.mark.parametrize(("environment", "day", "override"), FIX_CASES)
def test_every_printed_fix_passes_the_check_and_clears_its_notice(
    environment: str, day: datetime.date, override: dict
) -> None:
    document = _document(environment)
    for table, values in override.items():
        document.setdefault(table, {}).update(values)
    settings, problems = check_document(environment, document)
    assert settings is not None and problems == [], problems
    notices = currency_notices(settings, day)
    assert notices, "each case must print at least one notice"
    for notice in notices:
        if not notice.fixes:
            # Only when the table has nothing better: the advice says to refresh it.
            assert "make refresh-versions" in notice.advice, notice
        for fix in notice.fixes:
            fixed, problems = check_document(environment, with_fix(document, fix))
            assert fixed is not None and problems == [], (notice.render(environment), fix, problems)
            after = currency_notices(fixed, day)
            assert not any(later.key == notice.key and later.retired for later in after), (
                notice.render(environment),
                fix,
                [later.render(environment) for later in after],
            )
            if len(fix) == 2 and fix[0][0] == "cluster.kubernetes_version" and fix[1][0] == "istio.revisions":
                # The recommended pair clears every retired value at once.
                assert not any(later.retired for later in after), fix


def test_a_fresh_new_environment_from_dev_passes_the_gate(tmp_path: Path, monkeypatch, capsys) -> None:
    from aks_platform.tools import new_env

    environments, baselines = tmp_path / "environments", tmp_path / "baselines"
    shutil.copytree(ENVIRONMENTS, environments)
    shutil.copytree(BASELINES, baselines)
    new_env.create("x", "dev", environments, baselines)
    text = (environments / "x.toml").read_text()
    assert "main.tf" not in text, "the new file's header is neutral, not dev's"
    monkeypatch.setenv("AKS_TODAY", "2026-12-01")
    monkeypatch.setenv("CDKTF_ENV", "x")
    monkeypatch.delenv("ALLOW_RETIRED", raising=False)
    assert main.main(["--check", "--deploy-gate", "--environments", str(environments)]) == 0
    assert "retired" not in capsys.readouterr().err


# --- the table says its age ---------------------------------------------------------------------------


def test_a_stale_table_warns_once_with_its_date_and_the_refresh_command(monkeypatch, capsys) -> None:
    table = load_table()
    a_year_later = table.as_of + datetime.timedelta(days=365)
    monkeypatch.setenv("AKS_TODAY", a_year_later.isoformat())
    monkeypatch.setenv("CDKTF_ENV", "prod")
    assert main.main(["--check"]) == 0
    stderr = capsys.readouterr().err
    assert stderr.count(f"as_of = {table.as_of} is 365 days old") == 1
    assert "make refresh-versions LOCATION=<region>" in stderr


def test_a_fresh_table_says_nothing_about_its_age() -> None:
    table = load_table()
    assert stale_warning(table, table.as_of + datetime.timedelta(days=table.stale_after_days)) is None
    assert stale_warning(table, table.as_of + datetime.timedelta(days=table.stale_after_days + 1))
    # The threshold the docs name (docs/versions.md) is the table's.
    assert table.stale_after_days == 60


def test_the_table_is_recent_against_today() -> None:
    """as_of is the day the sources were last read; it must not be in the future of its own newest
    dated fact and must be within the threshold of the day this table was refreshed (2026-12-01)."""
    table = load_table()
    newest = max(
        date
        for minor in table.kubernetes.values()
        for date in (*minor.patches.values(), minor.offered_on)
        if date is not None
    )
    assert newest <= table.as_of
    assert stale_warning(table, datetime.date(2026, 12, 1)) is None
