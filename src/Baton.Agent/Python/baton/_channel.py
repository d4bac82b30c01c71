"""The job's channel to the Baton server, through the agent that runs it (work items, child jobs).

The agent listens on a Unix socket (BATON_CHANNEL; "@name" is an abstract socket on Linux) and knows each job by a
random token (BATON_CHANNEL_TOKEN). A call is one JSON line, {"token", "call", "body"}; the answer is one JSON line,
{"status", "body"}: the server's answer, which the agent relays after adding the job's id and attempt and its own
credential. Imports only what a call needs, when it is made.
"""

import os


class ChannelError(Exception):
    """The server (or the agent) refused a call: ``status`` is the HTTP status, ``problem`` the problem+json body."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem if isinstance(problem, dict) else {}
        detail = self.problem.get("detail") or self.problem.get("title") or "no detail"
        super().__init__("%s (%s)" % (detail, status))

    @property
    def detail(self):
        return self.problem.get("detail")


def available():
    """Whether this process runs under an agent that offers the channel."""
    return bool(os.environ.get("BATON_CHANNEL") and os.environ.get("BATON_CHANNEL_TOKEN"))


def call(name, body):
    """Makes one call (e.g. "workitems/claim") and returns the answer's body; raises ChannelError on a refusal."""
    address = os.environ.get("BATON_CHANNEL")
    token = os.environ.get("BATON_CHANNEL_TOKEN")
    if not address or not token:
        raise RuntimeError(
            "baton: %s needs a Baton agent (no job channel here: BATON_CHANNEL is not set). "
            "Work items and child jobs are available to jobs run by an agent on Linux or macOS." % name)
    import json
    import socket

    if address.startswith("@"):
        address = "\0" + address[1:]
    request = json.dumps({"token": token, "call": name, "body": body}) + "\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(address)
        connection.sendall(request.encode("utf-8"))
        with connection.makefile("rb") as answers:
            line = answers.readline()
    if not line:
        raise ChannelError(503, {"detail": "the agent closed the job's channel without answering"})
    answer = json.loads(line.decode("utf-8"))
    status = int(answer.get("status", 500))
    if status >= 400:
        raise ChannelError(status, answer.get("body"))
    return answer.get("body")
