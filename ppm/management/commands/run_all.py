"""`manage.py run_all`: the whole application on one machine, for `make run`.

Starts three child processes with the same environment and supervises them:

* web: Django's development server (`runserver --noreload` by default: one process, so stopping
  it is exact; with `--reload` the server restarts itself on code changes, but the worker and beat
  do not, so after a change to tasks or settings restart everything anyway);
* worker: a real Celery worker. On SQLite it runs tasks one at a time in its own process
  (`--pool=solo`), so the worker never competes with itself for SQLite's single writer lock;
  on PostgreSQL it runs a prefork pool of 2;
* beat: Celery beat with django-celery-beat's database scheduler (its pid file lives under var/).

When the web server answers /healthz, it prints the address and the demo logins. Ctrl-C or
SIGTERM stops the three (SIGTERM, up to 10 s, then SIGKILL) and exits 0; a second Ctrl-C kills
at once. If one child dies on its own, the others are stopped and the command exits non-zero,
naming the one that died. Each child runs in its own process group, so the terminal's Ctrl-C
reaches this supervisor only and the shutdown happens in order; on Linux the children also
receive SIGTERM if the supervisor itself is killed.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ppm import demo
from ppm.roles import Role

STOP_TIMEOUT_SECONDS = 10
POLL_SECONDS = 0.2


def _die_with_parent(parent_pid: int):
    """preexec_fn: ask Linux to send SIGTERM to the child when the supervisor dies."""

    def _set() -> None:
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the supervisor died before prctl took effect
            os._exit(1)

    return _set


@dataclass
class Child:
    name: str
    label: str
    command: list[str]
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Command(BaseCommand):
    help = _(
        "Run the web server, a Celery worker and Celery beat together until Ctrl-C (for local use; "
        "production runs them as separate services)."
    )
    requires_system_checks: list[str] = []  # runserver runs them itself, in the web process
    _stop_signal: int | None = None

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default=os.environ.get("HOST") or "127.0.0.1", help=_("Address to listen on.")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT") or 8000), help=_("Port to listen on.")
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help=_("Restart the web server when Python files change (the worker and beat are not reloaded)."),
        )
        parser.add_argument(
            "--startup-timeout",
            type=float,
            default=60.0,
            help=_("Seconds to wait for the web server to answer /healthz."),
        )

    # -- output -----------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        with self._output_lock:
            self.stdout.write(text)
            self.stdout.flush()

    def _pump(self, child: Child) -> None:
        assert child.process is not None and child.process.stdout is not None
        prefix = f"[{child.name}]".ljust(9)
        for raw in iter(child.process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            with self._output_lock:
                self.stdout.write(f"{prefix}{line}")
                self.stdout.flush()

    # -- children ---------------------------------------------------------------------------------

    def _children(self, host: str, port: int, reload: bool) -> list[Child]:
        python = sys.executable
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        web = [python, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", address]
        if not reload:
            web.append("--noreload")
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        pool = ["--pool=solo", "--concurrency=1"] if sqlite else ["--concurrency=2"]
        run_dir = Path(settings.VAR_DIR) / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        celery = [python, "-m", "celery", "-A", "ppm"]
        return [
            Child("web", _("web server"), web),
            Child("worker", _("Celery worker"), [*celery, "worker", "-l", "info", *pool]),
            Child(
                "beat",
                _("Celery beat"),
                [
                    *celery, "beat", "-l", "info",
                    "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                    "--pidfile", str(run_dir / "celerybeat.pid"),
                    "--schedule", str(run_dir / "celerybeat-schedule"),
                ],
            ),
        ]  # fmt: skip

    def _start(self, children: list[Child]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("DJANGO_SETTINGS_MODULE", "ppm.settings")
        use_pdeathsig = sys.platform.startswith("linux")
        for child in children:
            child.process = subprocess.Popen(  # noqa: S603 - fixed argument lists, no shell
                child.command,
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(os.getpid()) if use_pdeathsig else None,
            )
        # Readers start after every fork: preexec_fn must not run while other threads exist.
        for child in children:
            child.reader = threading.Thread(target=self._pump, args=(child,), daemon=True)
            child.reader.start()

    @staticmethod
    def _signal_group(child: Child, signum: int) -> None:
        if child.process is not None and child.running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signum)

    def _stop(self, children: list[Child]) -> None:
        running = [child for child in children if child.running]
        if running:
            self._say(_("Stopping %(names)s…") % {"names": ", ".join(child.name for child in running)})
        for child in running:
            self._signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while any(child.running for child in children):
            if time.monotonic() >= deadline or self._signals_received >= 2:
                for child in children:
                    if child.running:
                        self._say(_("%(name)s did not stop in time: killing it.") % {"name": child.name})
                        self._signal_group(child, signal.SIGKILL)
                break
            time.sleep(POLL_SECONDS)
        for child in children:
            if child.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(timeout=5)
            if child.reader is not None:
                child.reader.join(timeout=2)

    # -- readiness and banner ---------------------------------------------------------------------

    @staticmethod
    def _base_url(host: str, port: int) -> str:
        connect = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
        if ":" in connect:
            connect = f"[{connect}]"
        return f"http://{connect}:{port}"

    @staticmethod
    def _healthy(base_url: str) -> bool:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _banner(self, base_url: str) -> str:
        lines = [
            _("Pilotis is running at %(url)s/") % {"url": base_url},
            _("API documentation: %(url)s/api/docs/") % {"url": base_url},
        ]
        # The demo logins come from the core's demo data (ppm/demo.py), for the accounts present.
        logins = demo.logins_banner_lines() if settings.PILOTIS_DEMO else []
        if logins:
            lines += [
                "",
                _("Demo logins, all with the password “%(password)s” (demonstration only):")
                % {"password": demo.DEMO_PASSWORD},
            ]
            width = max(len(user.username) for user in demo.DEMO_USERS)
            role_width = max(len(str(Role(user.role).label)) for user in demo.DEMO_USERS)
            for username, role, name in logins:
                lines.append(f"  {username.ljust(width)}  {role.ljust(role_width)}  {name}")
        lines += ["", _("Press Ctrl-C to stop the web server, the worker and beat.")]
        inner = max(len(line) for line in lines)
        return "\n".join(
            ["╭" + "─" * (inner + 2) + "╮"]
            + [f"│ {line.ljust(inner)} │" for line in lines]
            + ["╰" + "─" * (inner + 2) + "╯"]
        )

    # -- main loop --------------------------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        self._signals_received += 1
        if self._stop_signal is None:
            self._stop_signal = signum

    def handle(self, *args, host: str, port: int, reload: bool, startup_timeout: float, **options):
        self._output_lock = threading.Lock()
        self._signals_received = 0
        self._stop_signal = None
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        children = self._children(host, port, reload)
        base_url = self._base_url(host, port)
        failure: str | None = None
        try:
            self._start(children)
            ready = False
            deadline = time.monotonic() + startup_timeout
            while self._stop_signal is None:
                dead = next((child for child in children if not child.running), None)
                if dead is not None:
                    failure = _("The %(label)s (%(name)s) stopped unexpectedly with exit code %(code)s.") % {
                        "label": dead.label,
                        "name": dead.name,
                        "code": dead.process.returncode if dead.process is not None else None,
                    }
                    self._say(failure + " " + _("Stopping the other processes."))
                    break
                if not ready:
                    if self._healthy(base_url):
                        ready = True
                        self._say(self._banner(base_url))
                    elif time.monotonic() > deadline:
                        failure = _(
                            "The web server did not answer %(url)s/healthz within %(seconds)d seconds."
                        ) % {"url": base_url, "seconds": startup_timeout}
                        self._say(failure)
                        break
                    else:
                        time.sleep(0.25)
                        continue
                time.sleep(POLL_SECONDS)
        finally:
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failure:
            raise CommandError(failure)
        self._say(_("Stopped."))
