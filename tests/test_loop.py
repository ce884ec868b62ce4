"""The user's loop: ENV narrows make synth, review and check without removing the other
environments' output silently; each distinct warning prints once per run; no colour codes in
logs; make review's HCL is formatted as terraform fmt formats it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from commands import Run
from conftest import ROOT

import main
from aks_platform.environments import load_environments
from aks_platform.tools import synth_output

FIXTURES = ROOT / "tests" / "fixtures" / "environments"


def make(*args: str, **env: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **env},
    )
    return result.stdout


def fake_synth(folder: Path, stacks: dict[str, str]) -> None:
    """An output folder as cdktf writes it: stacks/<stack>/cdk.tf.json and manifest.json."""
    for stack, text in stacks.items():
        (folder / "stacks" / stack).mkdir(parents=True)
        (folder / "stacks" / stack / "cdk.tf.json").write_text(text)
    manifest = {"version": "0.21.0", "stacks": {stack: {"name": stack} for stack in stacks}}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_env_replaces_only_its_stacks_and_names_the_ones_it_kept(tmp_path: Path) -> None:
    out, new = tmp_path / "cdktf.out", tmp_path / "cdktf.out.next"
    fake_synth(
        out,
        {f"ai-conformant-aks-{name}": "old" for name in ("dev", "dev-workloads", "prod", "prod-workloads")},
    )
    # dev no longer has a workloads stack: its old one must go too.
    fake_synth(new, {"ai-conformant-aks-dev": "new"})
    kept = synth_output.install(new, out, ["dev"])
    assert kept == ["ai-conformant-aks-prod", "ai-conformant-aks-prod-workloads"]
    stacks = {path.parent.name: path.read_text() for path in (out / "stacks").glob("*/cdk.tf.json")}
    assert stacks == {
        "ai-conformant-aks-dev": "new",
        "ai-conformant-aks-prod": "old",
        "ai-conformant-aks-prod-workloads": "old",
    }
    # The cdktf CLI finds stacks through the manifest: it lists exactly the folders there.
    assert sorted(json.loads((out / "manifest.json").read_text())["stacks"]) == sorted(stacks)
    assert not new.exists()


def test_without_env_the_folder_is_replaced_whole(tmp_path: Path) -> None:
    out, new = tmp_path / "cdktf.out", tmp_path / "cdktf.out.next"
    fake_synth(out, {"ai-conformant-aks-gone": "old"})
    fake_synth(new, {"ai-conformant-aks-dev": "new"})
    assert synth_output.install(new, out, []) == []
    assert [path.name for path in (out / "stacks").iterdir()] == ["ai-conformant-aks-dev"]


def test_install_says_what_it_kept(tmp_path: Path, capsys) -> None:
    out, new = tmp_path / "o", tmp_path / "o.next"
    fake_synth(out, {"ai-conformant-aks-prod": "old"})
    fake_synth(new, {"ai-conformant-aks-dev": "new"})
    assert synth_output.main(["install", str(new), str(out), "dev"]) == 0
    said = capsys.readouterr().out
    assert "ENV=dev: only its stacks were written" in said and "ai-conformant-aks-prod" in said


def test_make_synth_env_dev_synthesizes_only_dev(tmp_path: Path, monkeypatch) -> None:
    """What make synth ENV=dev runs: main.py with CDKTF_ENV=dev selects dev alone, and the app
    built from that selection writes dev's stacks and no other (the jsii runtime already runs, so
    the output folder is given to the app here rather than through CDKTF_OUTDIR)."""
    from cdktf import Testing

    from aks_platform.stacks import build_stacks

    monkeypatch.setenv("CDKTF_ENV", "dev")
    environments = load_environments(only=main.selected_environments())
    assert list(environments) == ["dev"]
    app = Testing.app(outdir=str(tmp_path))
    build_stacks(app, environments)
    app.synth()
    written = sorted(path.parent.name for path in (tmp_path / "stacks").glob("*/cdk.tf.json"))
    assert written == ["ai-conformant-aks-dev", "ai-conformant-aks-dev-workloads"]


def test_the_makefile_passes_env_to_synth_review_and_check() -> None:
    recipe = make("-n", "synth", "ENV=dev") + make("-n", "review", "ENV=dev")
    assert "CDKTF_ENV= " not in recipe  # no longer blanked: ENV narrows
    assert recipe.count("aks_platform.tools.synth_output install") == 2 and "cdktf.out dev" in recipe
    assert "python main.py --check" in make("-n", "check", "ENV=dev")


# --- warnings once ------------------------------------------------------------------------------


def test_a_version_with_two_notices_is_counted_once(capsys) -> None:
    environments = load_environments(FIXTURES)
    assert main.report_currency(environments, FIXTURES, gate=True) is False
    err = capsys.readouterr().err.splitlines()
    retired = {line.split(" = ")[0] for line in err if line.startswith("retired: ")}
    (refusal,) = [line for line in err if line.startswith("refusing to deploy")]
    assert f"refusing to deploy: {len(retired)} version(s)" in refusal
    assert len(err) == len(set(err)), "a line printed twice"


def test_the_second_run_of_make_deploy_prints_no_warning_again(capsys, monkeypatch) -> None:
    environments = load_environments(FIXTURES)
    monkeypatch.setenv(main.NOTICES_SHOWN, "1")
    assert main.report_currency(environments, FIXTURES, gate=True) is False
    err = capsys.readouterr().err
    assert "retired: " not in err and "refusing to deploy: 2 version(s)" in err
    recipe = make("-n", "deploy", "ENV=dev")
    gate, synth = recipe.index("--deploy-gate"), recipe.index("AKS_NOTICES_SHOWN=1")
    assert gate < synth


# --- colour ---------------------------------------------------------------------------------------

SHOW = 'show-colour: ; @echo "$${FORCE_COLOR-}|$${TF_CLI_ARGS_plan-}|$${TF_CLI_ARGS_apply-}|$(CDKTF_COLOR)"'


def test_no_colour_codes_in_ci_or_without_a_terminal() -> None:
    assert make("-s", "--eval", SHOW, "show-colour", CI="true").strip() == "0|-no-color|-no-color|--no-color"
    # Not a terminal here (captured output), CI unset: the Makefile sets CI itself.
    assert make("-s", "--eval", SHOW, "show-colour").strip() == "0|-no-color|-no-color|--no-color"
    # A person at a terminal gets colours: CI empty (what the terminal test gives there).
    assert make("-s", "--eval", SHOW, "show-colour", "CI=").strip() == "|||"
    assert "--no-color" in make("-n", "deploy", "ENV=dev", CI="true")


# --- review formatted ------------------------------------------------------------------------------


@pytest.mark.subprocess
@pytest.mark.skipif(
    shutil.which("terraform") is None, reason="needs terraform on PATH (make review formats with it)"
)
def test_make_review_writes_hcl_as_terraform_fmt_formats_it(make_review_run: Run) -> None:
    out = make_review_run.check().out
    terraform = shutil.which("terraform")
    assert terraform is not None
    checked = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    assert checked.returncode == 0, checked.stdout
    (first, *_) = sorted((out / "stacks").glob("*/cdk.tf"))
    assert "\n  required_providers {" in first.read_text()


def test_review_says_so_where_terraform_is_missing() -> None:
    recipe = make("-n", "review")
    assert "terraform fmt -recursive" in recipe and "terraform is not installed" in recipe
