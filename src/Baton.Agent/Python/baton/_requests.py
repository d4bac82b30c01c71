"""Asks the agent for something the job cannot read itself (assets, checkpoints) and waits for its answer.

Where the agent offers the job's channel (a Unix socket, $BATON_CHANNEL: Linux and macOS) a request is one call on
it, answered at once. Elsewhere it is one JSON line appended to the control file ($BATON_CONTROL_FILE), answered in
replies/<id>.json next to it. Outside an agent there is no control file: callers fall back to local sources (see
baton.assets and baton.checkpoints).
"""

import os
import time

_counter = [0]


class RequestFailed(RuntimeError):
    """The agent could not answer (the server refused, or the attempt is no longer this agent's)."""


def available():
    return bool(os.environ.get("BATON_CONTROL_FILE"))


def ask(operation, timeout=120.0, **fields):
    """Sends one request and returns the agent's reply (a dict with "ok": true)."""
    from baton import _channel

    if _channel.available():
        record = dict(fields)
        record["op"] = operation
        return _channel.call("request", record) or {"ok": False, "error": "the agent gave no answer"}
    import json

    control = os.environ["BATON_CONTROL_FILE"]
    _counter[0] += 1
    request_id = "%d-%d-%s" % (os.getpid(), _counter[0], os.urandom(4).hex())
    reply_path = os.path.join(os.path.dirname(control), "replies", request_id + ".json")
    record = dict(fields)
    record["request"] = request_id
    record["op"] = operation
    line = json.dumps(record) + "\n"
    with open(control, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not os.path.exists(reply_path):
        if time.monotonic() > deadline:
            raise TimeoutError("baton: the agent did not answer the %s request within %d s" % (operation, timeout))
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    with open(reply_path, "r", encoding="utf-8") as handle:
        reply = json.load(handle)
    try:
        os.remove(reply_path)
    except OSError:
        pass
    return reply
