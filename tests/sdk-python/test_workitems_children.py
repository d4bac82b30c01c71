"""The SDK's work items and child jobs against a fake agent channel (a Unix socket speaking the channel's JSON lines).

Part of the SDK's pytest suite (scripts/test-sdk.sh); also runs alone with `python3 -m unittest discover -s tests/sdk-python -p "test_workitems*"`; the real agent and server are covered end to end
by tests/Baton.EndToEnd.Tests/WorkItemTests.cs.
"""

import json
import os
import socket
import sys
import threading
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src", "Baton.Agent", "Python"))

import baton  # noqa: E402


class FakeChannel:
    """Answers each call with the next scripted answer for its call name and records what the job sent."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []
        self.address = "\0baton-test-" + uuid.uuid4().hex
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.address)
        self.server.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection, connection.makefile("rwb") as stream:
                for line in stream:
                    request = json.loads(line)
                    self.calls.append(request)
                    name = request["call"].split("/")[0] + "/" + request["call"].split("/")[-1]
                    status, body = self.answers[name].pop(0) if isinstance(self.answers[name], list) else self.answers[name]
                    stream.write((json.dumps({"status": status, "body": body}) + "\n").encode())
                    stream.flush()

    def close(self):
        self.server.close()


def item(n, attempts=1):
    return {"id": "wi_%d" % n, "queue": "invoices", "reference": "INV-%d" % n, "payload": {"n": n}, "attempts": attempts, "maxAttempts": 2}


class ChannelTestCase(unittest.TestCase):
    def start(self, answers):
        channel = FakeChannel(answers)
        self.addCleanup(channel.close)
        os.environ["BATON_CHANNEL"] = "@" + channel.address[1:]
        os.environ["BATON_CHANNEL_TOKEN"] = "token-1"
        self.addCleanup(os.environ.pop, "BATON_CHANNEL")
        self.addCleanup(os.environ.pop, "BATON_CHANNEL_TOKEN")
        return channel


class WorkItemTests(ChannelTestCase):
    def test_iterating_claims_until_empty_and_settles_each_item(self):
        channel = self.start({
            "workitems/claim": [(200, {"item": item(1), "leaseToken": "l1"}), (200, {"item": item(2), "leaseToken": "l2"}),
                                (200, {"item": item(3), "leaseToken": "l3"}), (200, {"item": None})],
            "workitems/complete": (204, None),
        })
        seen = []
        for work in baton.workitems("invoices"):
            seen.append(work.payload["n"])
            if work.payload["n"] == 1:
                work.done({"ok": True})
            elif work.payload["n"] == 2:
                work.fail("no customer", business=True)
            # 3: moved past without an answer, so it is done.
        self.assertEqual([1, 2, 3], seen)
        completes = [c for c in channel.calls if c["call"].endswith("/complete")]
        self.assertEqual(["workitems/wi_1/complete", "workitems/wi_2/complete", "workitems/wi_3/complete"], [c["call"] for c in completes])
        self.assertEqual({"outcome": "done", "output": {"ok": True}, "leaseToken": "l1"}, completes[0]["body"])
        self.assertEqual({"outcome": "failed", "reason": "no customer", "business": True, "leaseToken": "l2"}, completes[1]["body"])
        self.assertEqual("done", completes[2]["body"]["outcome"])
        self.assertTrue(all(c["token"] == "token-1" for c in channel.calls))

    def test_an_exception_in_the_loop_fails_the_held_item_as_an_application_failure(self):
        channel = self.start({"workitems/claim": (200, {"item": item(7), "leaseToken": "l7"}), "workitems/complete": (204, None)})
        with self.assertRaises(ZeroDivisionError):
            for _ in baton.workitems("invoices"):
                1 / 0
        failed = [c for c in channel.calls if c["call"] == "workitems/wi_7/complete"]
        self.assertEqual(1, len(failed))
        self.assertEqual(("failed", False), (failed[0]["body"]["outcome"], failed[0]["body"]["business"]))

    def test_a_refusal_raises_with_the_servers_reason(self):
        self.start({"workitems/claim": (200, {"item": item(1), "leaseToken": "l1"}),
                    "workitems/complete": (409, {"detail": "Work item wi_1 is no longer leased to this job."})})
        work = baton.workitems.claim("invoices")
        with self.assertRaises(baton.ChannelError) as refused:
            work.done()
        self.assertEqual(409, refused.exception.status)
        self.assertIn("no longer leased", str(refused.exception))

    def test_add_sends_the_items_in_the_apis_shape(self):
        channel = self.start({"workitems/add": (200, {"items": [{"id": "wi_9"}]})})
        import datetime

        deadline = datetime.datetime(2026, 12, 24, 12, tzinfo=datetime.timezone.utc)
        self.assertEqual("wi_9", baton.workitems.add("letters", {"to": "Ada"}, reference="L-1", priority=3, deadline=deadline, max_attempts=2))
        self.assertEqual({"queue": "letters", "items": [{"payload": {"to": "Ada"}, "reference": "L-1", "priority": 3,
                                                        "deadline": "2026-12-24T12:00:00+00:00", "maxAttempts": 2}]}, channel.calls[0]["body"])
        with self.assertRaises(ValueError):
            baton.workitems.add("letters", {}, deadline=datetime.datetime(2026, 12, 24))


class ChildJobTests(ChannelTestCase):
    def test_submit_and_wait_all_collect_the_results_in_order(self):
        def job(n, state):
            return {"job": {"id": "j_%d" % n, "package": "child", "state": state, "result": {"square": n * n} if state == "succeeded" else None}, "depth": 1}

        channel = self.start({
            "children/children": [(200, job(1, "pending")), (200, job(2, "pending"))],
            "children/wait": [(200, job(1, "running")), (200, job(1, "succeeded")), (200, job(2, "succeeded"))],
        })
        handles = [baton.submit("child", {"n": n}) for n in (1, 2)]
        self.assertEqual([{"square": 1}, {"square": 4}], baton.wait_all(handles))
        submits = [c["body"] for c in channel.calls if c["call"] == "children"]
        self.assertEqual(["child", "child"], [s["package"] for s in submits])
        self.assertNotEqual(submits[0]["idempotencyKey"], submits[1]["idempotencyKey"])

    def test_a_failed_child_raises_and_a_refused_submit_says_why(self):
        self.start({
            "children/children": [(200, {"job": {"id": "j_5", "state": "failed", "error": "boom"}, "depth": 1}),
                                  (422, {"detail": "child jobs may nest at most 5 levels deep"})],
            "children/wait": (200, {"job": {"id": "j_5", "state": "failed", "error": "boom"}, "depth": 1}),
        })
        with self.assertRaises(baton.ChildJobFailed) as failed:
            baton.submit("child").result()
        self.assertEqual(("failed", "boom"), (failed.exception.state, failed.exception.error))
        with self.assertRaises(baton.ChannelError) as refused:
            baton.submit("child")
        self.assertEqual(422, refused.exception.status)


class OutsideAnAgentTests(unittest.TestCase):
    def test_work_items_need_an_agent(self):
        os.environ.pop("BATON_CHANNEL", None)
        with self.assertRaises(RuntimeError) as error:
            baton.workitems.claim("invoices")
        self.assertIn("needs a Baton agent", str(error.exception))


if __name__ == "__main__":
    unittest.main()
