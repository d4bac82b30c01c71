"""Shared fixtures for the SDK's pytest suite: the repository's paths and a runner for `python -m baton`."""

import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SDK = os.path.join(REPO, "src", "Baton.Agent", "Python")
SAMPLES = os.path.join(REPO, "samples")

if SDK not in sys.path:
    sys.path.insert(0, SDK)


def clean_env(**extra):
    """This interpreter's environment without any BATON_* variable, with the SDK's source on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env["PYTHONPATH"] = SDK
    env.update(extra)
    return env


@pytest.fixture
def run_baton(tmp_path):
    """Runs `python -m baton ARGS` in tmp_path; returns the CompletedProcess (text)."""

    def run(*args, env=None, python=sys.executable):
        return subprocess.run(
            [python, "-m", "baton", *args], cwd=str(tmp_path), env=env or clean_env(),
            capture_output=True, text=True, timeout=120,
        )

    return run


@pytest.fixture
def make_package(tmp_path):
    """Writes a package folder (baton.yaml + files) and returns its path."""

    def make(name, manifest, files):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "baton.yaml").write_text(manifest, encoding="utf-8")
        for file_name, text in files.items():
            (folder / file_name).write_text(text, encoding="utf-8")
        return str(folder)

    return make
