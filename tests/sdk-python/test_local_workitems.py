"""`python -m baton run` with work items from JSON Lines files and child jobs run locally (baton._local_channel)."""

import json
import os

CONSUMER = '''import baton


def main(queue="invoices"):
    done = []
    for item in baton.workitems(queue):
        n = item.payload["n"]
        if n % 5 == 0:
            item.fail("invoice %d has no customer" % n, business=True)
        elif n % 3 == 0 and item.attempt == 1:
            item.fail("the ledger timed out")
        else:
            item.done({"twice": n * 2})
            done.append(item.reference)
    return {"done": done}
'''


def write_items(path, numbers, **extra):
    with open(path, "w", encoding="utf-8") as handle:
        for n in numbers:
            handle.write(json.dumps(dict({"payload": {"n": n}, "reference": "INV-%d" % n}, **extra)) + "\n")
    return str(path)


def result_of(done):
    """The run's own result line (a child's is printed after its job id)."""
    return json.loads(next(line for line in done.stdout.splitlines() if line.startswith("[result] "))[len("[result] "):])


def test_items_from_a_file_are_consumed_and_each_outcome_is_written(run_baton, make_package, tmp_path):
    package = make_package("consumer", "name: consumer\nversion: 1.0.0\nentrypoint: main:main\n", {"main.py": CONSUMER})
    items = write_items(tmp_path / "items.jsonl", range(1, 11))

    done = run_baton("run", package, "--workitems", "invoices=" + items, "--workitems-out", "out.jsonl")

    assert done.returncode == 0, done.stderr
    # 5 and 10 fail for good (business); 3, 6 and 9 fail once and are done on their second attempt.
    assert sorted(result_of(done)["done"]) == sorted("INV-%d" % n for n in (1, 2, 3, 4, 6, 7, 8, 9))
    assert "[workitems] invoices: 8 done, 2 failed (2 business), 0 pending, 3 retried" in done.stdout
    outcomes = {o["reference"]: o for o in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    assert len(outcomes) == 10
    assert outcomes["INV-5"]["state"] == "failed" and outcomes["INV-5"]["failureKind"] == "business"
    assert outcomes["INV-5"]["error"] == "invoice 5 has no customer"
    assert (outcomes["INV-6"]["state"], outcomes["INV-6"]["attempts"], outcomes["INV-6"]["output"]) == ("done", 2, {"twice": 12})


def test_priorities_order_the_claims_and_an_item_left_unfinished_returns_to_its_queue(run_baton, make_package, tmp_path):
    code = '''import baton


def main():
    first = baton.workitems.claim("q")
    baton.workitems.add("q", {"n": 99}, reference="added", priority=50)
    second = baton.workitems.claim("q")
    second.done()
    return {"first": first.reference, "second": second.reference}
'''
    package = make_package("order", "name: order\nversion: 1.0.0\nentrypoint: main:main\n", {"main.py": code})
    path = tmp_path / "q.jsonl"
    path.write_text('{"payload":1,"reference":"low"}\n{"payload":2,"reference":"high","priority":9}\n')

    done = run_baton("run", package, "--workitems", "q=" + str(path), "--workitems-out", "out.jsonl")

    assert done.returncode == 0, done.stderr
    assert result_of(done) == {"first": "high", "second": "added"}
    states = {o["reference"]: (o["state"], o["attempts"], o["addedByJob"]) for o in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    # "high" was still held when the job ended: back to the queue, as a failed attempt.
    assert states == {"low": ("pending", 0, None), "high": ("pending", 1, None), "added": ("done", 1, "local")}


def test_submit_runs_the_child_package_locally_and_children_share_the_runs_queues(run_baton, make_package, tmp_path):
    make_package("square", "name: square\nversion: 1.0.0\nentrypoint: main:main\nparameters:\n  n:\n    type: integer\n    default: 0\n",
                 {"main.py": "def main(n=0):\n    print('squaring', n)\n    return {'square': n * n}\n"})
    make_package("drain", "name: drain\nversion: 1.0.0\nentrypoint: main:main\n",
                 {"main.py": "import baton\n\ndef main():\n    return {'took': [i.payload for i in baton.workitems('letters')]}\n"})
    make_package("broken", "name: broken\nversion: 1.0.0\nentrypoint: main:main\n", {"main.py": "def main():\n    raise ValueError('no way')\n"})
    parent = make_package("parent", "name: parent\nversion: 1.0.0\nentrypoint: main:main\n", {"main.py": '''import baton


def main():
    squares = baton.wait_all([baton.submit("square", {"n": n}) for n in (1, 2, 3)])
    took = baton.submit("drain").result()["took"]
    try:
        baton.submit("broken").result()
        failed = None
    except baton.ChildJobFailed as error:
        failed = [error.state, "no way" in error.error]
    try:
        baton.submit("nowhere")
        missing = None
    except baton.ChannelError as error:
        missing = error.status
    return {"sum": sum(s["square"] for s in squares), "took": sorted(took), "failed": failed, "missing": missing}
'''})
    letters = tmp_path / "letters.jsonl"
    letters.write_text('{"payload":"a"}\n{"payload":"b"}\n')

    done = run_baton("run", parent, "--workitems", "letters=" + str(letters))

    assert done.returncode == 0, done.stdout + done.stderr
    assert result_of(done) == {"sum": 14, "took": ["a", "b"], "failed": ["failed", True], "missing": 404}
    assert "squaring 3" in done.stdout
    assert "[workitems] letters: 2 done, 0 failed (0 business), 0 pending, 0 retried" in done.stdout


def test_child_packages_come_from_the_packages_folder(run_baton, make_package, tmp_path):
    elsewhere = tmp_path / "lib"
    elsewhere.mkdir()
    (elsewhere / "echo").mkdir()
    (elsewhere / "echo" / "baton.yaml").write_text("name: echo\nversion: 1.0.0\nentrypoint: main:main\n")
    (elsewhere / "echo" / "main.py").write_text("import baton\n\ndef main(**inputs):\n    return inputs\n")
    parent = make_package("caller", "name: caller\nversion: 1.0.0\nentrypoint: main:main\n",
                          {"main.py": "import baton\n\ndef main():\n    return baton.submit('echo', {'x': 1}).result()\n"})

    done = run_baton("run", parent, "--packages", str(elsewhere))

    assert done.returncode == 0, done.stdout + done.stderr
    assert result_of(done) == {"x": 1}


def test_bad_work_item_options_are_usage_errors(run_baton, make_package, tmp_path):
    package = make_package("consumer", "name: consumer\nversion: 1.0.0\nentrypoint: main:main\n", {"main.py": CONSUMER})
    (tmp_path / "typo.jsonl").write_text('{"payload":1}\n{"refrence":"x"}\n')
    (tmp_path / "twice.jsonl").write_text('{"reference":"a"}\n{"reference":"a"}\n')

    no_queue = run_baton("run", package, "--workitems", "items.jsonl")
    absent = run_baton("run", package, "--workitems", "q=absent.jsonl")
    typo = run_baton("run", package, "--workitems", "q=typo.jsonl")
    twice = run_baton("run", package, "--workitems", "q=twice.jsonl")

    assert no_queue.returncode == 2 and "QUEUE=FILE" in no_queue.stderr
    assert absent.returncode == 2 and "absent.jsonl" in absent.stderr
    assert typo.returncode == 2 and "line 2" in typo.stderr and "refrence" in typo.stderr
    assert twice.returncode == 2 and "'a'" in twice.stderr


def test_a_queue_without_a_file_is_simply_empty(run_baton, make_package):
    package = make_package("consumer", "name: consumer\nversion: 1.0.0\nentrypoint: main:main\n", {"main.py": CONSUMER})
    done = run_baton("run", package)
    assert done.returncode == 0, done.stderr
    assert result_of(done) == {"done": []}
    assert "[workitems]" not in done.stdout
