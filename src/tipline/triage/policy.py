"""Loading the triage policy: the shipped default, or the file the settings name."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from tipline.triage.rules import Policy, PolicyError, parse_policy


def default_policy_text() -> str:
    return resources.files("tipline.triage").joinpath("policy.toml").read_text(encoding="utf-8")


def load_policy(path: Path | None = None) -> Policy:
    if path is None:
        return parse_policy(default_policy_text(), "policy.toml (default)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read: {exc}") from exc
    return parse_policy(text, str(path))


@lru_cache(maxsize=4)
def _cached(path: str | None, mtime: float) -> Policy:
    return load_policy(Path(path) if path else None)


def current_policy(path: Path | None = None) -> Policy:
    """The policy in force; re-read when the file changes, so an edit needs no restart."""
    if path is None:
        return _cached(None, 0.0)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read: {exc}") from exc
    return _cached(str(path), mtime)
