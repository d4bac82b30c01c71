"""`python -m baton run ./package`: a package runs outside Baton with inputs, result, progress, log and assets working."""

import json
import os

from conftest import SAMPLES, clean_env


def test_hello_runs_with_an_input_and_prints_its_result(run_baton):
    done = run_baton("run", os.path.join(SAMPLES, "hello"), "--input", "name=Ada")
    assert done.returncode == 0, done.stderr
    assert "Hello, Ada!" in done.stdout
    assert "hello finished" in done.stdout
    assert '[result] {"greeting": "Hello, Ada!"}' in done.stdout


def test_parameter_defaults_come_from_the_manifest(run_baton, tmp_path):
    done = run_baton("run", os.path.join(SAMPLES, "hello"), "--result", str(tmp_path / "result.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "result.json").read_text()) == {"greeting": "Hello, world!"}


def test_progress_is_printed_as_the_job_reports_it(run_baton):
    done = run_baton("run", os.path.join(SAMPLES, "render"), "--input", "frames=2", "--input", "seconds_per_frame=0")
    assert done.returncode == 0, done.stderr
    progress = [json.loads(line[len("[progress] "):]) for line in done.stdout.splitlines() if line.startswith("[progress] ")]
    assert progress == [{"percent": 50.0, "message": "frame 1 of 2"}, {"percent": 100.0, "message": "frame 2 of 2"}]
    assert '"frames": 2' in done.stdout


def test_inputs_are_typed_as_the_cli_types_them_and_an_inputs_file_is_merged(run_baton, make_package, tmp_path):
    package = make_package("echo", "name: echo\nversion: 1.0.0\nentrypoint: main:run\n",
                           {"main.py": "import baton\n\ndef run(**inputs):\n    return baton.inputs()\n"})
    (tmp_path / "inputs.json").write_text('{"a": 1, "b": "from file"}')
    done = run_baton("run", package, "--inputs-file", "inputs.json", "--input", "b=2", "--input", 'c=["x"]',
                     "--input", "d=Ada", "--input", 'e="007"', "--input", "f=null", "--input", "g=true")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("[result] ", 1)[1].splitlines()[0])
    assert result == {"a": 1, "b": 2, "c": ["x"], "d": "Ada", "e": "007", "f": "null", "g": True}


def test_a_failing_job_exits_non_zero_with_its_traceback(run_baton):
    done = run_baton("run", os.path.join(SAMPLES, "fail"))
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "[result]" not in done.stdout


def test_a_script_entrypoint_runs_as_main(run_baton, make_package):
    package = make_package("script", "name: script\nversion: 1.0.0\nentrypoint: job.py\n",
                           {"job.py": "import baton\nif __name__ == '__main__':\n    baton.set_result({'ran': True})\n"})
    done = run_baton("run", package)
    assert done.returncode == 0, done.stderr
    assert '[result] {"ran": true}' in done.stdout


def test_the_assets_file_is_handed_to_the_job_as_baton_assets_file(run_baton, make_package, tmp_path):
    (tmp_path / "assets.json").write_text('{"greeting": {"type": "text", "value": "hi"}}')
    package = make_package("assets", "name: assets\nversion: 1.0.0\nentrypoint: main:run\n",
                           {"main.py": "import json, os\n\ndef run():\n    path = os.environ['BATON_ASSETS_FILE']\n"
                                       "    return {'path': path, 'assets': json.load(open(path))}\n"})
    done = run_baton("run", package, "--assets", "assets.json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("[result] ", 1)[1].splitlines()[0])
    assert result["path"] == str(tmp_path / "assets.json")
    assert result["assets"]["greeting"]["value"] == "hi"


def test_a_local_run_reads_assets_and_credentials_from_the_assets_file(run_baton, make_package, tmp_path):
    (tmp_path / "assets.json").write_text('{"crm-url": "https://crm.example.com", "crm-login": {"username": "bot", "secret": "s3cret-value"}}')
    package = make_package("reads", "name: reads\nversion: 1.0.0\nentrypoint: main:run\n",
                           {"main.py": "import baton\n\ndef run():\n    login = baton.credential('crm-login')\n"
                                       "    return {'url': baton.asset('crm-url'), 'user': login.username, 'repr': repr(login)}\n"})
    done = run_baton("run", package, "--assets", "assets.json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("[result] ", 1)[1].splitlines()[0])
    assert result["url"] == "https://crm.example.com"
    assert result["user"] == "bot"
    assert "s3cret-value" not in result["repr"]


def test_usage_errors_exit_2_with_a_reason(run_baton, tmp_path):
    missing = run_baton("run", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "baton.yaml" in missing.stderr
    bad_input = run_baton("run", os.path.join(SAMPLES, "hello"), "--input", "novalue")
    assert bad_input.returncode == 2 and "key=value" in bad_input.stderr
    no_assets = run_baton("run", os.path.join(SAMPLES, "hello"), "--assets", "absent.json")
    assert no_assets.returncode == 2 and "absent.json" in no_assets.stderr
    assert run_baton().returncode == 2


def test_a_required_parameter_left_out_is_refused(run_baton, make_package):
    package = make_package("needs", "name: needs\nversion: 1.0.0\nentrypoint: main:run\nparameters:\n  who:\n    type: string\n    required: true\n",
                           {"main.py": "def run(who):\n    return who\n"})
    done = run_baton("run", package)
    assert done.returncode == 2 and "'who' is required" in done.stderr
    assert run_baton("run", package, "--input", "who=me").returncode == 0


def test_outside_any_runner_the_helpers_still_work(tmp_path):
    import subprocess
    import sys

    code = "import baton\nprint(baton.inputs())\nbaton.set_result({'x': 1})\nbaton.progress(20, 'step')\nbaton.log('line')\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["{}", '[progress] {"percent": 20.0, "message": "step"}', "line"]
