"""The SDK as a package: the wheel the repository builds installs into a clean venv offline and works there; it is typed."""

import ast
import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import venv
import zipfile

import pytest

import baton
from conftest import SAMPLES, SDK, clean_env

BUILD = os.path.join(SDK, "_build", "baton_build.py")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, BUILD, str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(str(folder))
    return os.path.join(str(folder), "bin", "python")


def test_the_wheel_holds_the_package_typed_with_a_true_record(wheel):
    assert os.path.basename(wheel) == "baton_sdk-%s-py3-none-any.whl" % baton.__version__
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        for required in ["baton/__init__.py", "baton/__init__.pyi", "baton/py.typed", "baton/artifacts.py", "baton/__main__.py", "baton/_local.py",
                         "baton/_runner.py"]:
            assert required in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        info = "baton_sdk-%s.dist-info/" % baton.__version__
        metadata = archive.read(info + "METADATA").decode()
        assert "Name: baton-sdk" in metadata and "Version: %s" % baton.__version__ in metadata and "Requires-Python: >=3.8" in metadata
        assert "Root-Is-Purelib: true" in archive.read(info + "WHEEL").decode()
        rows = list(csv.reader(io.StringIO(archive.read(info + "RECORD").decode())))
        assert sorted(r[0] for r in rows) == sorted(names)
        for path, digest, size in rows:
            if path.endswith("RECORD"):
                continue
            data = archive.read(path)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
        for name in [n for n in names if n.startswith("baton/")]:
            with open(os.path.join(SDK, name), "rb") as source:
                assert archive.read(name) == source.read(), name


def test_the_wheel_is_reproducible(wheel, tmp_path):
    again = subprocess.run([sys.executable, BUILD, str(tmp_path)], capture_output=True, text=True, timeout=120)
    with open(wheel, "rb") as first, open(again.stdout.strip(), "rb") as second:
        assert first.read() == second.read()


def test_the_wheel_installs_offline_into_a_venv_and_runs_a_package_there(wheel, clean_venv, tmp_path):
    env = {k: v for k, v in clean_env().items() if k != "PYTHONPATH"}
    install = subprocess.run([clean_venv, "-m", "pip", "install", "--no-index", "--force-reinstall", wheel], capture_output=True, text=True, env=env, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run([clean_venv, "-c", "import baton, os; print(os.path.dirname(baton.__file__)); print(baton.__version__)"],
                           capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=60)
    folder, version = where.stdout.split()
    assert "site-packages" in folder and version == baton.__version__
    assert os.path.exists(os.path.join(folder, "py.typed"))
    run = subprocess.run([clean_venv, "-m", "baton", "run", os.path.join(SAMPLES, "hello"), "--input", "name=venv"],
                         capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr
    assert '[result] {"greeting": "Hello, venv!"}' in run.stdout


def test_pip_installs_from_the_source_folder_with_no_index(clean_venv, tmp_path):
    env = {k: v for k, v in clean_env().items() if k != "PYTHONPATH"}
    install = subprocess.run([clean_venv, "-m", "pip", "install", "--no-index", "--force-reinstall", SDK], capture_output=True, text=True, env=env,
                             cwd=str(tmp_path), timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    check = subprocess.run([clean_venv, "-c", "import baton; print(baton.save_artifact.__module__)"], capture_output=True, text=True, env=env,
                           cwd=str(tmp_path), timeout=60)
    assert check.stdout.strip() == "baton.artifacts"


def test_the_stub_types_every_public_name():
    with open(os.path.join(SDK, "baton", "__init__.pyi"), encoding="utf-8") as handle:
        stub = ast.parse(handle.read())
    typed = set()
    for node in stub.body:
        if isinstance(node, ast.FunctionDef):
            typed.add(node.name)
            assert node.returns is not None, node.name
            assert all(a.annotation is not None for a in node.args.args), node.name
        elif isinstance(node, ast.ClassDef):
            typed.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            typed.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            typed.update(alias.asname or alias.name for alias in node.names)
    missing = sorted(set(baton.__all__) - typed)
    assert not missing, "add these to baton/__init__.pyi: %s" % missing


def test_the_artifacts_module_is_annotated():
    with open(os.path.join(SDK, "baton", "artifacts.py"), encoding="utf-8") as handle:
        module = ast.parse(handle.read())
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            assert node.returns is not None and all(a.annotation is not None for a in node.args.args), node.name
