"""The job's channel for local runs (`python -m baton run`): what an agent and the server answer, played in this process.

It speaks the agent's protocol (baton/_channel.py: one JSON line per call on a Unix socket, a token per job), so
baton.workitems() and baton.submit() run the same SDK code as on an agent. Work items come from JSON Lines files
(--workitems QUEUE=FILE, the lines `baton workitem add` reads) and live in memory: claimed by priority then order,
done, failed for good (business) or back to the queue while attempts remain, added by jobs. A child job runs its
package's folder (--packages DIR/NAME, default: next to the package) with `python -m baton run` in a subprocess that
uses this same channel, so children can take items and start children of their own.
"""

import json
import os
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import uuid

MAX_DEPTH = 5
LEASE_SECONDS = 60.0
_ITEM_FIELDS = ("payload", "reference", "priority", "deadline", "maxAttempts")


class ChannelRefusal(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def read_items(path):
    """The items of a JSON Lines file, each {"payload": …, "reference": …, "priority": …, "deadline": …, "maxAttempts": …}."""
    items = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as error:
                raise ValueError("%s line %d is not JSON: %s" % (path, number, error))
            unknown = sorted(set(item) - set(_ITEM_FIELDS)) if isinstance(item, dict) else ["(not an object)"]
            if unknown:
                raise ValueError("%s line %d is not a work item: unknown field(s) %s (expected %s)"
                                 % (path, number, ", ".join(unknown), ", ".join(_ITEM_FIELDS)))
            items.append(item)
    return items


class LocalChannel:
    """The work-item queues and child jobs of one local run, served on a Unix socket."""

    def __init__(self, packages_dir, echo=None):
        self.packages_dir = packages_dir
        self.echo = echo or (lambda line: print(line, flush=True))
        self._lock = threading.RLock()
        self._items = []  # every item, in the order it was added
        self._by_id = {}
        self._jobs = {}  # token -> {"id", "depth"}
        self._children = {}  # job id -> child record
        self._by_key = {}  # idempotency key -> child job id
        self._count = 0
        self._server = None
        self._folder = tempfile.mkdtemp(prefix="baton-channel-")
        self.address = None

    # ---- set-up ----

    def add_file(self, queue, path):
        try:
            return len(self._add(queue, read_items(path), None))
        except ChannelRefusal as refusal:
            raise ValueError("%s: %s" % (path, refusal.detail))

    def start(self):
        if sys.platform.startswith("linux"):
            self.address = "@baton-local-" + uuid.uuid4().hex
            bind = "\0" + self.address[1:]
        else:
            self.address = bind = os.path.join(self._folder, "channel.sock")
        channel = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline()
                if not line:
                    return
                status, body = channel.answer(line)
                self.wfile.write((json.dumps({"status": status, "body": body}) + "\n").encode("utf-8"))

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self._server = Server(bind, Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def register(self, job_id, depth):
        """A token for a job of this run (the root is depth 0)."""
        token = uuid.uuid4().hex
        with self._lock:
            self._jobs[token] = {"id": job_id, "depth": depth}
        return token

    def environment(self, token):
        return {"BATON_CHANNEL": self.address, "BATON_CHANNEL_TOKEN": token}

    def finish(self, job_id):
        """The run ends: children still running are stopped, and what the job still holds goes back to its queue."""
        with self._lock:
            children = list(self._children.values())
        for child in children:
            if child["process"].poll() is None:
                child["process"].terminate()
        for child in children:
            try:
                child["process"].wait(10)
            except subprocess.TimeoutExpired:
                child["process"].kill()
                child["process"].wait()
            self._ended(child)
        self._release(job_id)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # ---- answers ----

    def answer(self, line):
        try:
            request = json.loads(line.decode("utf-8"))
            with self._lock:
                job = self._jobs.get(request.get("token"))
            if job is None:
                raise ChannelRefusal(401, "unknown job token")
            call = str(request.get("call", ""))
            body = request.get("body") or {}
            parts = call.split("/")
            if call == "workitems/claim":
                return 200, self._claim(job, body.get("queue"))
            if call == "workitems/add":
                return 200, {"items": self._add(body.get("queue"), body.get("items") or [], job["id"])}
            if len(parts) == 3 and parts[0] == "workitems" and parts[2] == "complete":
                self._complete(job, parts[1], body)
                return 204, None
            if call == "children":
                return 200, self._submit(job, body)
            if len(parts) == 3 and parts[0] == "children" and parts[2] == "wait":
                return 200, {"job": self._wait(parts[1], body.get("timeoutSeconds"))}
            raise ChannelRefusal(404, "a local run does not offer %r" % call)
        except ChannelRefusal as refusal:
            return refusal.status, {"status": refusal.status, "detail": refusal.detail}
        except Exception as error:  # a bug here must reach the job as a refusal, not hang it
            return 500, {"status": 500, "detail": "local channel: %s" % error}

    def _add(self, queue, items, job_id):
        if not queue:
            raise ChannelRefusal(400, "a queue name is required")
        if not items:
            raise ChannelRefusal(400, "at least one item is required")
        with self._lock:
            taken = {i["reference"] for i in self._items if i["queue"] == queue and i["reference"] is not None}
            records = []
            for index, item in enumerate(items):
                reference = item.get("reference")
                if reference is not None and (reference in taken or any(r["reference"] == reference for r in records)):
                    raise ChannelRefusal(409, "Queue '%s' already holds an item with reference '%s'; nothing was added." % (queue, reference))
                attempts = int(item.get("maxAttempts") or 3)
                if not 1 <= attempts <= 20:
                    raise ChannelRefusal(400, "items[%d].maxAttempts must be between 1 and 20" % index)
                self._count += 1
                records.append({
                    "id": "wi_local_%d" % self._count, "queue": queue, "reference": reference, "state": "pending",
                    "priority": int(item.get("priority") or 0), "payload": item.get("payload", {}), "deadline": item.get("deadline"),
                    "attempts": 0, "maxAttempts": attempts, "output": None, "error": None, "failureKind": None,
                    "jobId": None, "addedByJob": job_id, "_token": None, "_order": self._count,
                })
            for record in records:
                self._items.append(record)
                self._by_id[record["id"]] = record
            return [self._dto(r) for r in records]

    def _claim(self, job, queue):
        with self._lock:
            waiting = [i for i in self._items if i["queue"] == queue and i["state"] == "pending"]
            if not waiting:
                return {"item": None, "leaseToken": None, "leaseSeconds": LEASE_SECONDS}
            item = min(waiting, key=lambda i: (-i["priority"], i["_order"]))
            item.update(state="in_progress", attempts=item["attempts"] + 1, jobId=job["id"], _token=uuid.uuid4().hex)
            return {"item": self._dto(item), "leaseToken": item["_token"], "leaseSeconds": LEASE_SECONDS}

    def _complete(self, job, item_id, body):
        with self._lock:
            item = self._by_id.get(item_id)
            if item is None:
                raise ChannelRefusal(404, "Work item %s was not found" % item_id)
            if item["state"] != "in_progress" or item["_token"] != body.get("leaseToken") or item["jobId"] != job["id"]:
                raise ChannelRefusal(409, "Work item %s is no longer leased to this job" % item_id)
            if body.get("outcome") == "done":
                item.update(state="done", output=body.get("output"), error=None, failureKind=None)
            elif body.get("outcome") == "failed":
                self._fail(item, body.get("reason") or "failed", bool(body.get("business")))
            else:
                raise ChannelRefusal(400, "outcome must be done or failed")
            item["_token"] = None

    @staticmethod
    def _fail(item, reason, business):
        item["error"] = reason
        if business:
            item.update(state="failed", failureKind="business")
        elif item["attempts"] >= item["maxAttempts"]:
            item.update(state="failed", failureKind="application")
        else:
            item.update(state="pending", failureKind=None)

    def _release(self, job_id):
        with self._lock:
            for item in self._items:
                if item["state"] == "in_progress" and item["jobId"] == job_id:
                    self._fail(item, "Job %s ended without finishing the item." % job_id, False)
                    item["_token"] = None

    def _submit(self, job, body):
        package = body.get("package")
        if not package:
            raise ChannelRefusal(400, "package is required")
        key = body.get("idempotencyKey")
        with self._lock:
            if key and key in self._by_key:
                child = self._children[self._by_key[key]]
                return {"job": self._job_dto(child), "depth": child["depth"]}
        depth = job["depth"] + 1
        if depth > MAX_DEPTH:
            raise ChannelRefusal(422, "child jobs may nest at most %d levels deep" % MAX_DEPTH)
        folder = os.path.join(self.packages_dir, package)
        if not os.path.exists(os.path.join(folder, "baton.yaml")) and not os.path.exists(os.path.join(folder, "baton.yml")):
            raise ChannelRefusal(404, "Package '%s' was not found: a local run looks for its folder at %s (--packages DIR)" % (package, folder))
        with self._lock:
            self._count += 1
            child_id = "job_local_%d" % self._count
        work = tempfile.mkdtemp(prefix="baton-child-", dir=self._folder)
        inputs = os.path.join(work, "inputs.json")
        with open(inputs, "w", encoding="utf-8") as handle:
            json.dump(body.get("inputs") or {}, handle)
        child = {"id": child_id, "package": package, "depth": depth, "result_file": os.path.join(work, "result.json"),
                 "state": "running", "result": None, "error": None, "tail": []}
        env = dict(os.environ)
        env.update(self.environment(self.register(child_id, depth)))
        env["BATON_LOCAL_CHILD"] = child_id
        sdk = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = sdk + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        command = [sys.executable, "-m", "baton", "run", folder, "--inputs-file", inputs, "--result", child["result_file"],
                   "--artifacts", os.path.join(os.path.abspath(os.environ.get("BATON_ARTIFACTS", "artifacts")), child_id)]
        if body.get("version"):
            self.echo("[%s] note: a local run ignores version %s and runs the folder %s" % (child_id, body["version"], folder))
        child["process"] = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        with self._lock:
            self._children[child_id] = child
            if key:
                self._by_key[key] = child_id
        child["pump"] = threading.Thread(target=self._pump, args=(child,), daemon=True)
        child["pump"].start()
        self.echo("[%s] started %s (depth %d)" % (child_id, package, depth))
        return {"job": self._job_dto(child), "depth": depth}

    def _pump(self, child):
        for raw in child["process"].stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            child["tail"] = (child["tail"] + [line])[-5:]
            self.echo("[%s] %s" % (child["id"], line))

    def _wait(self, child_id, timeout):
        with self._lock:
            child = self._children.get(child_id)
        if child is None:
            raise ChannelRefusal(404, "Job %s was not found" % child_id)
        try:
            child["process"].wait(max(0.0, min(30.0, float(timeout if timeout is not None else 30.0))))
        except subprocess.TimeoutExpired:
            pass
        self._ended(child)
        return self._job_dto(child)

    def _ended(self, child):
        with self._lock:
            code = child["process"].poll()
            if code is None or child["state"] != "running":
                return
            self._settle(child, code)

    def _settle(self, child, code):
        # Its last lines (the traceback's end names the error) are read before they are looked at.
        child["pump"].join(5)
        self._release(child["id"])
        if code == 0:
            child["state"] = "succeeded"
            if os.path.exists(child["result_file"]):
                with open(child["result_file"], encoding="utf-8") as handle:
                    text = handle.read()
                child["result"] = json.loads(text) if text.strip() else None
        else:
            child["state"] = "failed" if code > 0 else "cancelled"
            last = next((line for line in reversed(child["tail"]) if line.strip()), "")
            child["error"] = "exited with code %d%s" % (code, ": " + last if last else "")

    @staticmethod
    def _job_dto(child):
        return {"id": child["id"], "package": child["package"], "state": child["state"], "result": child["result"], "error": child["error"]}

    @staticmethod
    def _dto(item):
        return {k: v for k, v in item.items() if not k.startswith("_")}

    # ---- the run's outcome ----

    def outcomes(self):
        """Every item as it ended up, in the order it was added."""
        with self._lock:
            return [self._dto(i) for i in self._items]

    def summary(self):
        """One line per queue: how many items are done, failed (business), still waiting."""
        lines = []
        for queue in sorted({i["queue"] for i in self._items}):
            items = [i for i in self._items if i["queue"] == queue]
            count = lambda state: sum(1 for i in items if i["state"] == state)  # noqa: E731
            business = sum(1 for i in items if i["failureKind"] == "business")
            lines.append("%s: %d done, %d failed (%d business), %d pending, %d retried" % (
                queue, count("done"), count("failed"), business, count("pending"),
                sum(max(0, i["attempts"] - 1) for i in items)))
        return lines


def available():
    """Unix sockets: Linux and macOS (the agent offers its channel there too)."""
    return hasattr(socket, "AF_UNIX")
