"""Work-item queues: a job consumes items one lease at a time and adds new ones.

    for item in baton.workitems("invoices"):
        try:
            total = book(item.payload)
        except InvalidInvoice as error:
            item.fail(str(error), business=True)   # the item is wrong: never retried
            continue
        item.done({"total": total})

    baton.workitems.add("invoices", {"number": 42}, reference="INV-42")

An item the loop moves past without done() or fail() is done (without output). An item left when the job stops
iterating (an exception, a break, the job ending) fails as an application failure: it goes back to its queue while
its attempts remain. While the job runs, its agent renews the leases of the items it holds; if the job or its agent
dies, the items return to the queue when their lease ends.
"""

from . import _channel
from ._channel import ChannelError

__all__ = ["workitems", "WorkItem", "ChannelError"]


class WorkItem:
    """One leased work item: ``payload`` (the JSON value it was added with), ``reference``, ``attempt`` (1 on the first
    try), ``max_attempts``, ``priority``, ``deadline`` (ISO text or None), ``id`` and ``queue``."""

    def __init__(self, data, lease_token):
        self.id = data["id"]
        self.queue = data["queue"]
        self.reference = data.get("reference")
        self.payload = data.get("payload")
        self.priority = data.get("priority", 0)
        self.deadline = data.get("deadline")
        self.attempt = data.get("attempts", 1)
        self.max_attempts = data.get("maxAttempts", 1)
        self._lease_token = lease_token
        self.state = "in_progress"

    def done(self, output=None):
        """Marks the item done, with an optional JSON-serialisable output."""
        self._finish({"outcome": "done", "output": output})
        self.state = "done"

    def fail(self, reason, business=False):
        """Marks the item failed. ``business=True``: the item itself is wrong, it is never retried. Otherwise it is
        an application failure and goes back to the queue while attempts remain."""
        reason = str(reason) or "failed"
        self._finish({"outcome": "failed", "reason": reason[:4096], "business": bool(business)})
        self.state = "failed" if business or self.attempt >= self.max_attempts else "pending"

    @property
    def settled(self):
        return self.state != "in_progress"

    def _finish(self, body):
        if self.settled:
            raise RuntimeError("baton: work item %s is already %s" % (self.id, self.state))
        body["leaseToken"] = self._lease_token
        _channel.call("workitems/%s/complete" % self.id, body)

    def __repr__(self):
        return "WorkItem(id=%r, queue=%r, reference=%r, attempt=%d, state=%r)" % (
            self.id, self.queue, self.reference, self.attempt, self.state)


def _deadline_text(deadline):
    if deadline is None or isinstance(deadline, str):
        return deadline
    if getattr(deadline, "tzinfo", None) is None:
        raise ValueError("baton: a work item's deadline needs a time zone (e.g. datetime.now(timezone.utc))")
    return deadline.isoformat()


def _item_body(payload=None, reference=None, priority=None, deadline=None, max_attempts=None):
    body = {"payload": payload}
    if reference is not None:
        body["reference"] = str(reference)
    if priority is not None:
        body["priority"] = int(priority)
    if deadline is not None:
        body["deadline"] = _deadline_text(deadline)
    if max_attempts is not None:
        body["maxAttempts"] = int(max_attempts)
    return body


class _WorkItems:
    """``baton.workitems(queue)`` iterates over a queue's items; ``baton.workitems.add(queue, payload)`` adds one."""

    def __call__(self, queue, limit=None):
        """Claims the queue's items one at a time until none waits (or ``limit`` items were claimed)."""
        return self._iterate(queue, limit)

    def claim(self, queue):
        """Leases the queue's next item to this job; None when nothing waits."""
        answer = _channel.call("workitems/claim", {"queue": queue})
        if not answer or not answer.get("item"):
            return None
        return WorkItem(answer["item"], answer.get("leaseToken"))

    def add(self, queue, payload=None, reference=None, priority=None, deadline=None, max_attempts=None):
        """Adds one item (payload: any JSON value); returns its id. A reference already in the queue raises ChannelError (409)."""
        return self._add(queue, [_item_body(payload, reference, priority, deadline, max_attempts)])[0]

    def add_many(self, queue, items):
        """Adds up to 1,000 items at once, all or none. Each item is a dict with ``payload`` and optionally
        ``reference``, ``priority``, ``deadline``, ``max_attempts``. Returns their ids."""
        return self._add(queue, [_item_body(i.get("payload"), i.get("reference"), i.get("priority"), i.get("deadline"),
                                            i.get("max_attempts", i.get("maxAttempts"))) for i in items])

    def _add(self, queue, bodies):
        answer = _channel.call("workitems/add", {"queue": queue, "items": bodies})
        return [item["id"] for item in answer["items"]]

    def _iterate(self, queue, limit):
        claimed = 0
        while limit is None or claimed < limit:
            item = self.claim(queue)
            if item is None:
                return
            claimed += 1
            try:
                yield item
            except GeneratorExit:
                # The loop ended around this item (an exception, a break): back to the queue, as a failed attempt.
                if not item.settled:
                    try:
                        item.fail("the job stopped working on the item before it was done")
                    except (ChannelError, OSError, RuntimeError):
                        pass
                raise
            if not item.settled:
                item.done()


workitems = _WorkItems()
