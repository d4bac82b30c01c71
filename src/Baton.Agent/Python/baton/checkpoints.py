"""Heartbeats and checkpoints for long jobs.

    import baton
    state = baton.last_checkpoint() or {"page": 0}   # what an earlier attempt saved, or None
    for page in range(state["page"], 100):
        work_on(page)
        baton.checkpoint({"page": page + 1})          # a retry resumes here
        baton.heartbeat()                             # still alive, even without output

A checkpoint is any JSON value (at most 256 KiB), stored on the server per job; checkpoint() returns once
it is saved. heartbeat() is cheap (at most one is written a second): the agent renews the job's lease
with the server at its next log flush.
"""

import os
import time

from baton import _requests

__all__ = ["heartbeat", "checkpoint", "last_checkpoint"]

MAX_CHECKPOINT_BYTES = 256 * 1024

_last_heartbeat = [0.0]
_local = {"set": False, "state": None}


def heartbeat():
    """Tells the agent the job is alive (e.g. inside a long computation that prints nothing)."""
    now = time.monotonic()
    if now - _last_heartbeat[0] < 1.0:
        return
    _last_heartbeat[0] = now
    path = os.environ.get("BATON_CONTROL_FILE")
    if not path:
        return
    from baton import _channel

    if _channel.available():
        try:
            _channel.call("heartbeat", {})
        except (OSError, _channel.ChannelError):
            pass  # a heartbeat is a hint: the agent's polls keep the lease too
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"heartbeat": true}\n')
        handle.flush()


def checkpoint(state):
    """Saves `state` (JSON-serialisable) as the job's checkpoint; a retried attempt reads it with last_checkpoint()."""
    import json

    text = json.dumps(state)
    if len(text.encode("utf-8")) > MAX_CHECKPOINT_BYTES:
        raise ValueError("a checkpoint must be at most %d KiB of JSON" % (MAX_CHECKPOINT_BYTES // 1024))
    if not _requests.available():
        _local["set"], _local["state"] = True, json.loads(text)
        return
    reply = _requests.ask("checkpoint", state=json.loads(text))
    if not reply.get("ok"):
        raise _requests.RequestFailed(reply.get("error") or "the checkpoint was not saved")


def last_checkpoint(default=None):
    """The job's last saved checkpoint (from this attempt or an earlier one), or `default` when there is none."""
    if not _requests.available():
        return _local["state"] if _local["set"] else default
    reply = _requests.ask("last_checkpoint")
    if not reply.get("ok"):
        raise _requests.RequestFailed(reply.get("error") or "the checkpoint could not be read")
    if reply.get("savedByAttempt") is None:
        return default
    return reply.get("state")
