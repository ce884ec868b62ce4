"""The suite's slow, independent checks, started when the session starts and run beside it.

Each job is a fresh process the tests need once: `make synth`, one checkov run over what it wrote,
the cdktf CLI's synth, `make review`, and (only with --standard-import) the app with the standard
provider import. They run on background threads (lanes), from before collection or, for
`make review`, from its end, so they use the second core while the in-process tests run on the
first; the tests that read their results are ordered last and wait.
Every check keeps its own assertions in its own test module; this only shares and schedules the
work.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
STACK_FILE = "cdk.tf.json"
# make as the tests run it: never installing (-o marks the install stamps as up to date). `make test`
# installs before pytest starts; an install started from inside the suite would replace
# node_modules/ under the tests that are using it.
MAKE = ["make", "--no-print-directory", "-o", ".venv/.synced", "-o", "node_modules/.synced"]


@dataclass
class Job:
    name: str
    run: Callable[[], Any]
    # `after`: the job it follows on its lane (scheduling); `needs`: jobs whose results it reads.
    after: str | None = None
    needs: tuple[str, ...] = ()
    # Started once collection is done (Jobs.release): collection is the busiest part of the
    # in-process lane, and the job would only slow it down.
    deferred: bool = False
    launched: bool = False
    left_out: bool = False
    result: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    began: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def files_of(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()
    }


class Jobs:
    """The jobs of one session; `get(name)` waits for one and returns its result or raises its error."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="aks-suite-"))
        self.jobs: dict[str, Job] = {}
        self.started = False
        self._lock = threading.Lock()
        self.created = time.perf_counter()
        self.released: float | None = None

    def add(
        self,
        name: str,
        function: Callable[[], Any],
        after: str | None = None,
        *,
        needs: tuple[str, ...] = (),
        deferred: bool = False,
    ) -> None:
        self.jobs[name] = Job(name, function, after, needs, deferred)

    def start(self, wanted: set[str] | None = None) -> None:
        """Lanes: each job that waits for none starts a thread, which then runs what waits for it.

        With `wanted`, only those jobs run (a lane passes over the others); `get` on one of the
        others fails at once."""
        self.started = True
        if wanted is not None:
            wanted = wanted | {need for name in wanted for need in self.jobs[name].needs}
        for job in self.jobs.values():
            if wanted is not None and job.name not in wanted:
                job.left_out = True
                job.error = RuntimeError(f"background job {job.name!r} was not started in this run")
                job.done.set()
        self._launch(deferred=False)

    def _lane_root(self, job: Job) -> Job:
        while job.after is not None:
            job = self.jobs[job.after]
        return job

    def will_run(self, name: str) -> bool:
        """Whether the job runs (or ran) in this session rather than being left out."""
        job = self.jobs.get(name)
        return job is not None and not job.left_out

    def release(self) -> None:
        """Start the deferred lanes (once); the suite calls it when collection is done."""
        if self.released is None:
            self.released = time.perf_counter() - self.created
        self._launch(deferred=True)

    def _launch(self, *, deferred: bool) -> None:
        with self._lock:
            lanes = [job for job in self.jobs.values() if job.after is None and job.deferred == deferred]
            lanes = [job for job in lanes if not job.launched]
            for job in lanes:
                job.launched = True
        for job in lanes:
            threading.Thread(target=self._lane, args=(job,), daemon=True).start()

    def _lane(self, job: Job) -> None:
        if not job.done.is_set():
            started = time.perf_counter()
            job.began = started - self.created
            try:
                job.result = job.run()
            except BaseException as error:
                job.error = error
            finally:
                job.seconds = time.perf_counter() - started
                job.done.set()
        for follower in self.jobs.values():
            if follower.after == job.name:
                self._lane(follower)

    def get(self, name: str) -> Any:
        if not self.started:
            self.start()
        job = self.jobs[name]
        if self._lane_root(job).deferred:
            self.release()  # a deferred job asked for before its time must not wait forever
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def timings(self) -> str:
        done = [job for job in self.jobs.values() if job.done.is_set() and job.seconds]
        lines = [
            f"{job.name} {job.seconds:.1f} s (at {job.began:.1f}-{job.began + job.seconds:.1f} s)"
            for job in done
        ]
        if self.released is not None and any(job.deferred for job in done):
            lines.append(f"deferred jobs started at {self.released:.1f} s")
        return ", ".join(lines)

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class ConnectionRecorder:
    """A TCP listener on loopback that counts the connections made to it (a stand-in proxy)."""

    def __init__(self) -> None:
        self.connections = 0
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen()
        self._server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:

        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()


def outcome(out: Path, result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """What a job hands to its tests: the folder, the process, and the files it wrote."""
    return {"out": out, "process": result, "files": files_of(out) if result.returncode == 0 else {}}


def make_synth(folder: Path) -> dict[str, Any]:
    """`make synth` into a folder seeded with a stale stack and a stray cdk.tf, as a user's may be."""
    out = folder / "make-synth"
    (out / "stacks" / "ai-conformant-aks-gone").mkdir(parents=True)
    (out / "stacks" / "ai-conformant-aks-dev").mkdir(parents=True)
    (out / "stacks" / "ai-conformant-aks-dev" / "cdk.tf").write_text('resource "x" "y" {}')
    result = run([*MAKE, "synth", f"OUT={out}"], {"ENV": "", "CI": "true"})
    return outcome(out, result)


def make_review(folder: Path) -> dict[str, Any]:
    out = folder / "review"
    result = run([*MAKE, "review", f"REVIEW_OUT={out}"], {"CI": "true"})
    return outcome(out, result)


def app_synth(folder: Path, name: str, env: dict[str, str]) -> dict[str, Any]:
    out = folder / name
    result = run([sys.executable, "main.py"], {"CDKTF_OUTDIR": str(out), "CDKTF_ENV": "", **env})
    return outcome(out, result)


def cli_synth(folder: Path) -> dict[str, Any]:
    out = folder / "cli"
    cdktf = NODE_BIN / "cdktf"
    result = run([str(cdktf), "synth", "--output", str(out)], {"CDKTF_ENV": "", "CI": "true"})
    return outcome(out, result)


def checkov_scan(jobs: Jobs, env: dict[str, str]) -> Any:
    from aks_platform.security_scan import run_checkov

    synthesized = jobs.get("make-synth")
    assert synthesized["process"].returncode == 0, synthesized["process"].stderr
    stacks = synthesized["out"] / "stacks"
    files = {
        path.parent.name.removeprefix("ai-conformant-aks-"): path
        for path in sorted(stacks.glob(f"*/{STACK_FILE}"))
    }
    return run_checkov(files, env=env)
