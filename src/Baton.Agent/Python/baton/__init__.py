"""Helpers for Python automations run by a Baton agent (stdlib only, Python >= 3.8).

Outside an agent (no BATON_* environment variables) every helper still works, so an
automation can be run and debugged locally: inputs() is empty, set_result() keeps the
value in memory and progress() prints.
"""

import os
import sys

# json (and the re module it loads) is imported when a job first needs it: an automation without
# inputs or a result never pays for it.

__version__ = "0.16.0"

__all__ = ["inputs", "input", "set_result", "progress", "log"]

_inputs_cache = None
_result_set = False
_result_value = None


def inputs():
    """The job's inputs (defaults applied) as a dict."""
    global _inputs_cache
    if _inputs_cache is None:
        path = os.environ.get("BATON_INPUTS_FILE")
        data = {}
        if path and os.path.exists(path):
            with open(path, "r", encoding="utf-8") as handle:
                text = handle.read()
            if text.strip() not in ("", "{}"):
                import json

                data = json.loads(text) or {}
        _inputs_cache = data
    return dict(_inputs_cache)


def input(name, default=None):  # noqa: A001 - the name reads well in automations
    """One input by name, or default when absent."""
    return inputs().get(name, default)


def set_result(value):
    """Sets the job's result; value must be JSON-serialisable."""
    global _result_set, _result_value
    import json

    text = json.dumps(value)
    _result_set = True
    _result_value = value
    path = os.environ.get("BATON_RESULT_FILE")
    if not path:
        return
    temp = path + ".tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)


def result_was_set():
    return _result_set


def progress(percent=None, message=None):
    """Reports progress (percent 0-100 and/or a message); the agent sends the latest one."""
    if percent is not None:
        percent = max(0.0, min(100.0, float(percent)))
    import json

    record = {"percent": percent, "message": None if message is None else str(message)}
    path = os.environ.get("BATON_CONTROL_FILE")
    if not path:
        print("[progress] %s" % json.dumps(record), flush=True)
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.flush()


def log(message):
    """Writes a line to the job's log."""
    print(message, flush=True)
    sys.stdout.flush()


# Assets, credentials, heartbeats and checkpoints (issue 16) live in their own modules, loaded on first
# use (PEP 562) so a job that never touches them does not pay for their import.
_LAZY = {
    "asset": "baton.assets",
    "credential": "baton.assets",
    "Credential": "baton.assets",
    "AssetNotFound": "baton.assets",
    "heartbeat": "baton.checkpoints",
    "checkpoint": "baton.checkpoints",
    "last_checkpoint": "baton.checkpoints",
}
__all__ += list(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'baton' has no attribute %r" % name)
    __import__(module)
    value = getattr(sys.modules[module], name)
    globals()[name] = value
    return value
# Artifacts (issue 16): files saved for the job's users, uploaded by the agent when the job ends.
from baton.artifacts import save_artifact  # noqa: E402

__all__ += ["save_artifact"]
# Work items and child jobs (baton/workitems.py, baton/children.py): they talk to the server through the agent.
from .workitems import workitems, WorkItem  # noqa: E402
from .children import submit, wait_all, ChildJob, ChildJobFailed  # noqa: E402
from ._channel import ChannelError  # noqa: E402

__all__ += ["workitems", "WorkItem", "submit", "wait_all", "ChildJob", "ChildJobFailed", "ChannelError"]
