import os
import time

import baton


def main(seconds=30):
    seconds = float(seconds)
    print("sleeping for %s seconds (pid %d)" % (seconds, os.getpid()))
    steps = max(1, int(seconds))
    for step in range(steps):
        baton.progress(100.0 * step / steps, "slept %d of %s s" % (step, seconds))
        time.sleep(seconds / steps)
    baton.progress(100, "done")
    print("woke up")
    return {"slept": seconds}
