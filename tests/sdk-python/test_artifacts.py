"""baton.save_artifact() and $BATON_ARTIFACTS: files land in the folder the agent uploads, named by their path in it."""

import os

import pytest

import baton
from baton import artifacts


@pytest.fixture
def folder(tmp_path, monkeypatch):
    target = tmp_path / "artifacts"
    monkeypatch.setenv("BATON_ARTIFACTS", str(target))
    return target


def test_save_artifact_copies_the_file_under_its_own_name(folder, tmp_path):
    source = tmp_path / "report.csv"
    source.write_bytes(b"a,b\n1,2\n")
    assert baton.save_artifact(source) == "report.csv"
    assert (folder / "report.csv").read_bytes() == b"a,b\n1,2\n"
    # The job may change its file afterwards: the artifact keeps what was saved.
    source.write_bytes(b"changed")
    assert (folder / "report.csv").read_bytes() == b"a,b\n1,2\n"


def test_a_name_with_folders_and_a_second_save_replacing_the_first(folder, tmp_path):
    source = tmp_path / "x.bin"
    source.write_bytes(bytes(range(256)) * 10)
    assert baton.save_artifact(str(source), name="out/2024/data.bin") == "out/2024/data.bin"
    source.write_bytes(b"second")
    baton.save_artifact(str(source), name="out/2024/data.bin")
    assert (folder / "out" / "2024" / "data.bin").read_bytes() == b"second"
    assert not any(name.endswith(".baton-tmp") for _, _, names in os.walk(folder) for name in names)


def test_a_folder_is_saved_file_by_file(folder, tmp_path):
    charts = tmp_path / "charts"
    (charts / "q1").mkdir(parents=True)
    (charts / "a.png").write_bytes(b"png-a")
    (charts / "q1" / "b.png").write_bytes(b"png-b")
    assert baton.save_artifact(charts) == "charts"
    assert (folder / "charts" / "a.png").read_bytes() == b"png-a"
    assert (folder / "charts" / "q1" / "b.png").read_bytes() == b"png-b"


def test_a_file_already_in_the_folder_is_left_as_it_is(folder):
    folder.mkdir()
    (folder / "direct.txt").write_text("written straight into $BATON_ARTIFACTS")
    assert baton.save_artifact(folder / "direct.txt") == "direct.txt"
    assert (folder / "direct.txt").read_text() == "written straight into $BATON_ARTIFACTS"


def test_errors_say_what_is_wrong_and_save_nothing(folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        baton.save_artifact(tmp_path / "missing.txt")
    source = tmp_path / "ok.txt"
    source.write_text("x")
    for bad in ["../escape.txt", "/abs.txt", "a//b", "a/./b", "con:1", "tab\there", "dot.", "x" * 101, "a/" * 128 + "b"]:
        with pytest.raises(ValueError, match="not an artifact name"):
            baton.save_artifact(source, name=bad)
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize("name", ["report.csv", "out/2024/data.bin", "spaces are fine.txt", "ünïcödé/名前.txt", "a" * 100, ".hidden"])
def test_valid_names(name):
    assert artifacts.check_name(name) is None


@pytest.mark.parametrize("name", ["", "/a", "a/", "a//b", "..", "a/../b", ".", "a\\b", "a:b", "a*b", "a?b", 'a"b', "a<b", "a>b", "a|b",
                                  "a\x00b", "a\x7fb", "trailing ", "trailing.", "x" * 101, ("abc/" * 64) + "d"])
def test_invalid_names_match_the_servers_rule(name):
    assert artifacts.check_name(name) is not None


def test_outside_an_agent_artifacts_go_to_a_local_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("BATON_ARTIFACTS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.txt").write_text("local")
    baton.save_artifact("f.txt", name="kept.txt")
    assert (tmp_path / "artifacts" / "kept.txt").read_text() == "local"


def test_a_local_run_leaves_both_kinds_of_artifact_in_the_artifacts_folder(run_baton, make_package, tmp_path):
    package = make_package("saver", "name: saver\nversion: 1.0.0\nentrypoint: main:run\n", {"main.py": (
        "import os, baton\n\n"
        "def run():\n"
        "    with open('made.txt', 'w') as f:\n        f.write('via save_artifact')\n"
        "    baton.save_artifact('made.txt', name='reports/made.txt')\n"
        "    with open(os.path.join(os.environ['BATON_ARTIFACTS'], 'direct.bin'), 'wb') as f:\n        f.write(bytes(range(256)))\n"
        "    return 'ok'\n")})
    done = run_baton("run", package, "--artifacts", "out")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "reports" / "made.txt").read_text() == "via save_artifact"
    assert (tmp_path / "out" / "direct.bin").read_bytes() == bytes(range(256))
    assert "[artifacts] %s: direct.bin, reports/made.txt" % (tmp_path / "out") in done.stdout
