"""The README's quick start, followed as a new user would: its commands, run one by one in a
shell from the repository's folder on a fresh data folder, route the example report's case to
an agency whose pull queue then holds it, and the agency fetches the package."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from support import free_port

ROOT = Path(__file__).parents[1]
CEILING = 120  # seconds; progress is polled, never timed


def quick_start_commands() -> list[str]:
    """The first shell block after the README's 'Quick start' heading, one command a line."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Quick start"):]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the quick start has no shell block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def background_argv(command: str) -> list[str] | None:
    """The words of a command the README runs in the background (`... &  # comment`), or
    None for a command run in the foreground."""
    words = shlex.split(command, comments=True)
    return words[:-1] if words and words[-1] == "&" else None


def wait_until_up(url: str, log: Path) -> None:
    deadline = time.monotonic() + CEILING
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"tipline serve did not answer at {url}:\n{log.read_text()}")


def run_until(command: str, env: dict[str, str], done: str) -> str:
    """Run a command again until its output shows `done` (the pipeline works in the
    background): the README says 'a few seconds later'."""
    deadline = time.monotonic() + CEILING
    while True:
        out = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=CEILING, check=True).stdout
        if done in out or time.monotonic() > deadline:
            return out
        time.sleep(0.5)


def test_the_readme_quick_start_routes_and_delivers_a_first_case(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.update(TIPLINE_DATA_DIR=str(tmp_path / "var"), TIPLINE_PORT=str(port))
    url = f"http://127.0.0.1:{port}"
    commands = [c.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
                for c in quick_start_commands()]
    assert any(c.startswith(".venv/bin/tipline agencies import") for c in commands)
    server: subprocess.Popen[bytes] | None = None
    log = tmp_path / "serve.log"
    queue = ""
    try:
        for command in commands:
            argv = background_argv(command)
            if argv is not None:
                with log.open("wb") as out:
                    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out,
                                              stderr=subprocess.STDOUT)
                wait_until_up(url, log)
            elif command.startswith("curl"):
                queue = run_until(command, env, '"case_id"')
            else:
                done = subprocess.run(command, shell=True, cwd=ROOT, env=env, text=True,
                                      capture_output=True, timeout=CEILING, check=False)
                assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert server is not None, "the quick start never starts the server"
        body = httpx.Response(200, content=queue).json()
        assert body["agency"] == "US-ICAC"
        [item] = body["items"]
        package = httpx.get(
            f"{url}/api/v1/agencies/me/deliveries/{item['delivery_id']}/package.json",
            auth=("desk", "desk-password-123"), timeout=30)
        assert package.status_code == 200, package.text
        assert package.json()["case_id"] == item["case_id"]
        assert package.json()["version"] == item["version"]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
