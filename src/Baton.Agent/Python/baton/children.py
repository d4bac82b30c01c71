"""Child jobs: a job starts other jobs in its own tenant and waits for their results.

    handles = [baton.submit("resize", {"image": name}) for name in names]
    sizes = baton.wait_all(handles)          # their results, in order
    one = baton.submit("report").result()    # wait for one

Children may nest (a child may start its own) up to the server's depth limit (5 by default). A job waiting for
children holds its slot: give the agents enough slots for parents and children together.
"""

import os
import time

from . import _channel
from ._channel import ChannelError

__all__ = ["submit", "wait_all", "ChildJob", "ChildJobFailed", "ChannelError"]

_TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")
_submitted = 0


class ChildJobFailed(Exception):
    """A child job ended without succeeding: ``job_id``, ``state`` and ``error``."""

    def __init__(self, job_id, state, error):
        self.job_id = job_id
        self.state = state
        self.error = error
        super().__init__("child job %s %s: %s" % (job_id, state, error or "no error message"))


class ChildJob:
    """A job this job started: ``id``, ``package``, ``depth``; ``wait()``, ``result()``, ``state``."""

    def __init__(self, data, depth):
        self._job = data
        self.id = data["id"]
        self.package = data.get("package")
        self.depth = depth

    @property
    def state(self):
        return self._job.get("state")

    @property
    def done(self):
        return self.state in _TERMINAL

    def wait(self, timeout=None):
        """Waits until the child ends (or ``timeout`` seconds pass: TimeoutError); returns self."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            remaining = 25.0 if deadline is None else min(25.0, deadline - time.monotonic())
            if remaining <= 0:
                raise TimeoutError("baton: child job %s is still %s" % (self.id, self.state))
            answer = _channel.call("children/%s/wait" % self.id, {"timeoutSeconds": remaining})
            self._job = answer["job"]
        return self

    def result(self, timeout=None):
        """Waits for the child and returns its result; raises ChildJobFailed if it did not succeed."""
        self.wait(timeout)
        if self.state != "succeeded":
            raise ChildJobFailed(self.id, self.state, self._job.get("error"))
        return self._job.get("result")

    def __repr__(self):
        return "ChildJob(id=%r, package=%r, state=%r)" % (self.id, self.package, self.state)


def submit(package, inputs=None, version=None, queue=None, priority=None):
    """Starts a child job of ``package`` (latest version unless ``version``) with ``inputs`` in this job's tenant."""
    global _submitted
    _submitted += 1
    body = {
        "package": package,
        "inputs": dict(inputs or {}),
        # A retried call (the agent lost the answer) starts the child once; a new attempt of this job starts new ones.
        "idempotencyKey": "child:%s:%s:%d" % (os.environ.get("BATON_JOB_ID", "local"), os.environ.get("BATON_ATTEMPT", "0"), _submitted),
    }
    if version is not None:
        body["version"] = version
    if queue is not None:
        body["queue"] = queue
    if priority is not None:
        body["priority"] = int(priority)
    answer = _channel.call("children", body)
    return ChildJob(answer["job"], answer.get("depth", 1))


def wait_all(handles, timeout=None):
    """Waits for every child and returns their results in order; raises ChildJobFailed (for the first failed one, in
    order) once all have ended."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for handle in handles:
        handle.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return [handle.result() for handle in handles]
