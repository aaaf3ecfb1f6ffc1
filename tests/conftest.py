"""Shared fixtures: one real Label Studio server per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from annotation.studio import (
    STUDIO_VENV_ENV,
    TEAM_API_KEY_ENV,
    TEAM_URL_ENV,
    StudioServer,
    running_server,
    shared_venv_dir,
    stop_studio,
    studio_client,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# The user's one Label Studio install (~1 GB, ~1 min), shared with the demo and their workspaces;
# read before any test moves the cache folder.
SHARED_STUDIO_VENV = shared_venv_dir()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "studio: runs against a real local Label Studio server (installed once per user: ~1 min, ~1 GB)",
    )
    config.addinivalue_line(
        "markers",
        "browser: drives Debian's headless chromium through /usr/bin/chromedriver "
        "(./run test installs both when it can)",
    )


@dataclass(frozen=True)
class RunningStudio:
    """The session's server, looked up live so a test may restart it."""

    workspace: Path

    @property
    def server(self) -> StudioServer:
        server = running_server(self.workspace)
        assert server is not None, "the session's Label Studio server is not running"
        return server

    @property
    def url(self) -> str:
        return self.server.url

    def admin_client(self) -> LabelStudio:
        return studio_client(self.workspace)


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory):
    """Start one server through the CLI, in a separate process that exits, as a user would."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv(STUDIO_VENV_ENV, os.environ.get(STUDIO_VENV_ENV) or str(SHARED_STUDIO_VENV))
        env.delenv(TEAM_URL_ENV, raising=False)
        env.delenv(TEAM_API_KEY_ENV, raising=False)
        workspace = tmp_path_factory.mktemp("studio-workspace")
        # A generous wait: the first start runs migrations, ~25 s alone, minutes on a shared machine.
        started = _run_studio_cli("studio", "start", "--workspace", str(workspace), "--timeout", "600")
        try:
            assert started.returncode == 0, f"studio start failed:\n{started.stderr}"
            yield RunningStudio(workspace)
        finally:
            stop_studio(workspace)  # by the recorded PID


def _run_studio_cli(*args: str) -> subprocess.CompletedProcess:
    program = "from newsdesk.cli import app; app()"
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,  # covers a first-time install
    )
