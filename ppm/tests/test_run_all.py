"""`manage.py run_all` for real: three child processes, a clean stop, and a loud failure."""

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or not shutil.which("pgrep"), reason="needs Linux"
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """A throw-away SQLite database, file broker and var/ directory, migrated once."""
    var_dir = tmp_path_factory.mktemp("run_all")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "PILOTIS_TESTING", "DJANGO_DEBUG"}
    }
    env.update({"DJANGO_DEBUG": "1", "PILOTIS_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"})
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=180,
    )
    return env


class RunAll:
    def __init__(self, env: dict):
        self.port = free_port()
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_all", "--port", str(self.port)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, *needles: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        missing = set(needles)
        while missing and time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.output.append(line)
            missing = {needle for needle in missing if not any(needle in seen for seen in self.output)}
        assert not missing, f"never printed {missing}:\n{''.join(self.output)}"

    def children(self) -> dict[str, int]:
        pids = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        found = {}
        for pid in pids:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                args = cmdline.read().split(b"\0")
            role = next(name for name in ("runserver", "worker", "beat") if name.encode() in args)
            found[role] = int(pid)
        return found

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout=timeout)
        time.sleep(0.2)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_run_all_starts_three_processes_and_stops_them_on_ctrl_c(environment):
    run = RunAll(environment)
    try:
        run.wait_for("Pilotis is running at", "celery@", "beat: Starting")
        with urllib.request.urlopen(f"http://127.0.0.1:{run.port}/healthz", timeout=5) as response:
            assert response.status == 200
        children = run.children()
        assert set(children) == {"runserver", "worker", "beat"}

        run.process.send_signal(signal.SIGINT)
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()

    assert code == 0, "".join(run.output)
    assert all(gone(pid) for pid in children.values())
    assert "Stopped." in "".join(run.output)


def test_run_all_stops_everything_when_a_child_dies(environment):
    run = RunAll(environment)
    try:
        run.wait_for("Pilotis is running at", "celery@")
        children = run.children()

        os.kill(children["worker"], signal.SIGKILL)
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()

    output = "".join(run.output)
    assert code != 0
    assert "Celery worker (worker) stopped unexpectedly" in output
    assert all(gone(pid) for pid in children.values())
