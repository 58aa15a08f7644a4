"""The demo's tipline server: `tipline serve` (as `tipline.demo.serve`, which also places the
demo's documentation-range addresses in countries) in a child process, so it can outlive the
stream and be stopped cleanly, with the same settings as the demo command itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tipline.settings import Settings

HOST = "127.0.0.1"  # the demo never listens beyond this machine


class ServerError(RuntimeError):
    pass


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def free_port_from(port: int, tries: int = 20) -> int | None:
    return next((p for p in range(port, min(port + tries, 65536)) if port_is_free(p)), None)


def is_tipline(port: int) -> bool:
    try:
        return "version" in httpx.get(f"http://{HOST}:{port}/healthz", timeout=0.5).json()
    except (httpx.HTTPError, ValueError):
        return False


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as TIPLINE_* variables: the child must use exactly the demo's settings,
    including ones given in code (tests) rather than in the environment."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        env[f"TIPLINE_{name.upper()}"] = text
    return env


class DemoServer:
    def __init__(self, settings: Settings, port: int, log_path: Path) -> None:
        self.settings, self.port, self.log_path = settings, port, log_path
        self.url = f"http://{HOST}:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **settings_env(self.settings), "TIPLINE_HOST": HOST}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tipline.demo.serve", "--host", HOST,
                 "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                # Its own process group: Ctrl-C reaches only the demo, which then stops the
                # server in order instead of both racing to exit.
                start_new_session=True,
            )
        try:
            self._wait_healthy(timeout)
        except BaseException:  # including Ctrl-C: never leave a half-started server behind
            self.stop()
            raise

    def _wait_healthy(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with code {self.process.returncode}:\n"
                                  + self.log_tail())
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise ServerError(f"the server did not answer /healthz in {timeout:.0f}s:\n"
                          + self.log_tail())

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait()

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
