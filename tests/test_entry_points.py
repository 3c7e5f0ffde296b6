"""The ``poser`` command that ``make run`` / ``make test`` install into the venv (pyproject's scripts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _poser_command() -> Path:
    command = Path(sys.executable).parent / "poser"
    if not command.exists():
        pytest.skip("the poser command is not installed in this environment (pip install --no-deps -e .)")
    return command


def test_the_installed_poser_command_manages_partners(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSER_") and k != "DATABASE_URL"}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'poser.db'}", "POSER_DATA_DIR": str(tmp_path)}
    run = [str(_poser_command()), "partner"]
    created = subprocess.run(
        [*run, "create", "--name", "Snow Shop", "--slug", "snow-shop", "--domain", "shop.example.com"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    listed = subprocess.run([*run, "list", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert [p["slug"] for p in json.loads(listed.stdout)] == ["snow-shop"]
    refused = subprocess.run([*run, "deactivate", "nobody"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert "no partner" in refused.stderr
