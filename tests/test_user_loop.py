"""The user's loop: preflight before deploy and diff, make targets that do what they say, a new
environment in one step, and output folders without stale or stray files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from commands import MAKE, Run, files_of
from conftest import ROOT

from aks_platform.environments import environment_files, load_environments
from aks_platform.paths import BASELINES, ENVIRONMENTS
from aks_platform.tools import new_env, preflight, targets

# --- preflight, with fake tools on PATH ---------------------------------------------------------


def fake_tool(folder: Path, name: str, stdout: str = "", exit_code: int = 0) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat <<'OUT'\n{stdout}\nOUT\nexit {exit_code}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH with a signed-in az, terraform 1.9.8 and kubelogin, and the resource group set."""
    folder = tmp_path / "bin"
    folder.mkdir()
    fake_tool(folder, "terraform", json.dumps({"terraform_version": "1.9.8"}))
    fake_tool(folder, "az", json.dumps({"id": "11111111-2222-3333-4444-555555555555", "name": "sub"}))
    fake_tool(folder, "kubelogin")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv(preflight.RESOURCE_GROUP_VARIABLE, "rg-ai")
    return folder


def test_preflight_passes_when_everything_is_there(tools: Path) -> None:
    assert preflight.preflight("deploy", ["dev"]) == []


def test_preflight_refuses_prods_placeholders(tools: Path) -> None:
    problems = preflight.preflight("deploy", ["prod"])
    assert any("api_server_authorized_ip_ranges[0]" in p and "RFC 5737" in p for p in problems)
    assert any("admin_group_object_ids[0]" in p and "all-zero GUID" in p for p in problems)
    assert any("disk_encryption_set_id" in p for p in problems)
    assert all(p.startswith("environments/prod.toml: ") for p in problems)


def test_a_value_marked_replace_before_deploying_is_refused() -> None:
    document = {"cluster": {"disk_encryption_set_id": "<replace before deploying: the key team's id>"}}
    assert [key for key, _, _ in preflight.placeholders(document)] == ["cluster.disk_encryption_set_id"]
    assert list(preflight.placeholders({"ranges": ["198.51.100.7/32", "20.1.2.0/24"]})) == [
        (
            "ranges[0]",
            "198.51.100.7/32",
            "a documentation range (RFC 5737): put your real egress ranges there",
        )
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda folder, mp: (folder / "terraform").unlink(), "terraform is not installed"),
        (
            lambda folder, mp: fake_tool(folder, "terraform", json.dumps({"terraform_version": "1.4.6"})),
            "terraform 1.4.6 is too old",
        ),
        (
            # removed blocks (the workloads stack's move from kubernetes_manifest) need 1.7.
            lambda folder, mp: fake_tool(folder, "terraform", json.dumps({"terraform_version": "1.6.6"})),
            "terraform 1.6.6 is too old: install Terraform >= 1.7",
        ),
        (lambda folder, mp: (folder / "az").unlink(), "the Azure CLI (az) is not installed"),
        (
            lambda folder, mp: fake_tool(folder, "az", "Please run 'az login' to setup account.", 1),
            "the Azure CLI is not signed in: run az login",
        ),
        (
            lambda folder, mp: mp.delenv(preflight.RESOURCE_GROUP_VARIABLE),
            "TF_VAR_resource_group_name is not set",
        ),
    ],
)
def test_each_missing_piece_is_one_line_that_says_what_to_do(
    tools: Path, monkeypatch: pytest.MonkeyPatch, change, expected: str
) -> None:
    change(tools, monkeypatch)
    problems = preflight.preflight("diff", ["dev"])
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)


def test_kubelogin_is_needed_where_local_accounts_are_off(tools: Path) -> None:
    (tools / "kubelogin").unlink()
    assert preflight.preflight("destroy", ["dev"]) == []  # dev keeps local accounts
    # prod's protection also stops its destroy (tests/test_production.py): not this test's subject.
    problems = [p for p in preflight.preflight("destroy", ["prod"]) if "protection." not in p]
    assert problems == [
        "kubelogin is not installed and prod signs in through Entra ID only: run az aks install-cli"
    ]


def test_preflight_needs_named_known_environments(tools: Path, capsys) -> None:
    assert preflight.main(["deploy"]) == 1
    assert "make deploy needs ENV=" in capsys.readouterr().err
    known = ", ".join(sorted(environment_files()))
    assert preflight.preflight("deploy", ["staging-typo"]) == [
        f"no such environment: staging-typo; environments: {known}"
    ]


# --- make targets -------------------------------------------------------------------------------


def make(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MAKE, *arguments],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.subprocess
@pytest.mark.parametrize(("target", "folder"), [("synth", "OUT"), ("review", "REVIEW_OUT")])
def test_bad_settings_leave_the_previous_output_as_it_was(target: str, folder: str, tmp_path: Path) -> None:
    """synth and review write into <folder>.next and replace the folder only on success."""
    environments = tmp_path / "environments"
    environments.mkdir()
    dev = (ENVIRONMENTS / "dev.toml").read_text()
    assert 'location = "centralus"' in dev
    (environments / "dev.toml").write_text(dev.replace('location = "centralus"', 'location = "mars"'))
    out = tmp_path / "out"
    (out / "stacks" / "previous").mkdir(parents=True)
    (out / "stacks" / "previous" / "cdk.tf.json").write_text("{}")
    result = make(target, f"{folder}={out}", env={"AKS_ENVIRONMENTS_DIR": str(environments)})
    assert result.returncode != 0
    assert "location" in result.stderr and "mars" in result.stderr
    assert files_of(out) == {"stacks/previous/cdk.tf.json": b"{}"}
    assert not (tmp_path / "out.next").exists() or not any((tmp_path / "out.next").rglob("*.json"))


@pytest.mark.subprocess
@pytest.mark.parametrize("target", ["deploy", "diff", "destroy"])
def test_targets_that_change_azure_need_env(target: str, tmp_path: Path) -> None:
    result = make(target, env={"ENV": ""})
    assert result.returncode != 0
    assert f"make {target} needs ENV=" in result.stderr
    assert "synth" not in result.stdout.split("preflight")[-1], "nothing may be synthesized before preflight"


def test_stacks_of_each_environment_given() -> None:
    assert targets.stacks(["dev", "prod"]) == [
        "ai-conformant-aks-dev",
        "ai-conformant-aks-dev-workloads",
        "ai-conformant-aks-prod",
        "ai-conformant-aks-prod-workloads",
    ]


def test_diff_runs_once_per_stack_of_every_env_given() -> None:
    recipe = make("-n", "diff", env={"ENV": "dev,prod"}).stdout
    assert "python -m aks_platform.tools.preflight diff dev,prod" in recipe
    # plan_check diff: plan and check, skipping a stack whose remote state is not there yet.
    assert "python -m aks_platform.tools.plan_check diff $stack" in recipe
    assert "python -m aks_platform.tools.targets stacks dev,prod" in recipe


def test_every_help_line_names_a_target_that_exists() -> None:
    lines = make("help").stdout.splitlines()
    named = [line.split()[1] for line in lines]
    assert {"synth", "review", "test", "deploy", "diff", "destroy", "new-env", "conformance"} <= set(named)
    for target in named:
        assert (
            make("-n", target, env={"ENV": "dev", "NAME": "x", "FROM": "dev", "LOCATION": "x"}).returncode
            == 0
        )


@pytest.mark.subprocess
def test_synth_replaces_the_whole_output_folder(make_synth_run: Run) -> None:
    """make synth without ENV writes every environment and leaves nothing stale or stray (no cdk.tf
    beside JSON). The fixture seeds its OUT folder with a stale stack and a stray cdk.tf, then runs
    `make synth` (ENV narrowing: tests/test_loop.py)."""
    result, out = make_synth_run.check().process, make_synth_run.out
    assert not (out / "stacks" / "ai-conformant-aks-dev" / "cdk.tf").exists()
    assert not (out / "stacks" / "ai-conformant-aks-gone").exists()
    assert sorted(path.parent.name for path in (out / "stacks").glob("*/cdk.tf.json")) == targets.stacks(
        sorted(environment_files())
    )
    assert "⠋" not in result.stdout + result.stderr, "no spinner in a log"


# --- a new environment in one step ----------------------------------------------------------------

# A name no environment has yet (make new-env NAME=staging may already have made "staging").
NEW = next(name for name in ("staging", "staging2", "staging3") if name not in environment_files())


def test_new_environment_from_dev(tmp_path: Path) -> None:
    environments, baselines = tmp_path / "environments", tmp_path / "baselines"
    shutil.copytree(ENVIRONMENTS, environments)
    shutil.copytree(BASELINES, baselines)
    written = new_env.create(NEW, "dev", environments, baselines)
    assert [path.name for path in written] == [f"{NEW}.toml", f"{NEW}.toml", f"{NEW}-kubernetes.toml"]
    assert (environments / f"{NEW}.toml").read_text().splitlines()[0] == "#:schema ./schema.json"
    settings = load_environments(environments, only=[NEW])[NEW]
    assert settings.prefix == f"aks-ai-conformant-{NEW}"
    baseline = (baselines / f"{NEW}.toml").read_text()
    source = (baselines / "dev.toml").read_text()
    assert baseline.count("[[exception]]") == source.count("[[exception]]")
    assert baseline.count(f"(carried over from dev by make new-env: review for {NEW})") == source.count(
        "reason ="
    )
    with pytest.raises(new_env.NewEnvironmentError, match="exists already"):
        new_env.create(NEW, "dev", environments, baselines)
    with pytest.raises(new_env.NewEnvironmentError, match="FROM=qa: no such environment"):
        new_env.create("other", "qa", environments, baselines)


def test_a_new_environment_passes_the_security_gate_with_its_carried_over_baseline(tmp_path: Path) -> None:
    from aks_platform.tools.security_scan import gate, load_baseline

    baselines = tmp_path / "baselines"
    shutil.copytree(BASELINES, baselines)
    environments = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS, environments)
    new_env.create(NEW, "dev", environments, baselines)
    accepted = frozenset(entry.finding for entry in load_baseline("dev"))
    carried = frozenset(entry.finding for entry in load_baseline(NEW, baselines))
    assert carried == accepted
    assert gate("dev", accepted, 1).ok


def test_make_new_env_says_what_it_needs() -> None:
    result = make("new-env", env={"NAME": "", "FROM": ""})
    assert result.returncode != 0
    assert "make new-env needs NAME=<new environment> FROM=<existing one>" in result.stdout + result.stderr


def test_new_env_refuses_a_bad_name(capsys) -> None:
    assert new_env.main(["Bad_Name", "dev"]) == 2
    assert "NAME=Bad_Name" in capsys.readouterr().err


def test_the_testing_doc_explains_every_skip_reason() -> None:
    """Each reason a test may skip with starts with a phrase docs/testing.md's skip section explains."""
    import test_conformance
    import test_recording_rules
    from schemas import REFERENCE_SKIP

    doc = (ROOT / "docs" / "testing.md").read_text()
    section = doc.split("## Tests that skip, and why", 1)[1].split("\n#", 1)[0]
    reasons = {
        "needs ../shared/reference/": [
            REFERENCE_SKIP,
            test_conformance.SKIP,
            test_recording_rules.REFERENCE_SKIP,
        ],
        "promtool not installed": [test_recording_rules.PROMTOOL_SKIP],
    }
    for phrase, texts in reasons.items():
        assert phrase in section, f"docs/testing.md's skip section does not explain {phrase!r}"
        for text in texts:
            assert text.startswith(phrase), text
