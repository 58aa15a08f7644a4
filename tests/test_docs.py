"""Documentation is tested: every setting, CLI command and pipeline stage is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from tipline.cli import app
from tipline.pipeline.stages import build_stages
from tipline.settings import Settings
from tipline.web.app import PAGE_ROUTERS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(group: Any, prefix: str) -> list[str]:
    """Leaf command paths of a Typer app (Typer ships its own click, so duck-type groups)."""
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"`TIPLINE_{field.upper()}`" in (DOCS / "settings.md").read_text()


def test_every_setting_has_a_description() -> None:
    missing = [name for name, f in Settings.model_fields.items() if not f.description]
    assert not missing


def test_every_cli_command_is_documented() -> None:
    group = typer.main.get_command(app)
    text = (DOCS / "cli.md").read_text()
    commands = _commands(group, "tipline")
    assert "tipline serve" in commands and "tipline db upgrade" in commands
    for command in commands:
        assert f"`{command}" in text, f"{command} is not in docs/cli.md"


def test_every_pipeline_stage_is_documented(tmp_path: Path) -> None:
    text = (DOCS / "pipeline.md").read_text()
    stages = build_stages(None, None, None, Settings(data_dir=tmp_path))  # type: ignore[arg-type]
    assert stages
    for stage in stages:
        assert f"| `{stage.name}` |" in text, f"stage {stage.name} is not in docs/pipeline.md"
        assert stage.description


def test_readme_opens_with_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    head = readme[:1500]
    assert "make demo" in head and "make test" in head


def test_every_page_is_documented() -> None:
    text = (DOCS / "web.md").read_text()
    paths = {route.path for router in PAGE_ROUTERS for route in router.routes}
    assert "/worklist" in paths and "/login" in paths
    for path in sorted(paths | {"/docs"}):
        assert f"| `{path}` |" in text, f"page {path} is not in docs/web.md"
