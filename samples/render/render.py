import hashlib
import time

import baton


def main(frames=24, seconds_per_frame=0.05):
    """Renders `frames` frames; each is a hash standing in for an image, and progress is reported as it goes."""
    digest = hashlib.sha256()
    for frame in range(1, frames + 1):
        time.sleep(seconds_per_frame)
        digest.update(b"frame %d" % frame)
        baton.progress(100.0 * frame / frames, "frame %d of %d" % (frame, frames))
    return {"frames": frames, "checksum": digest.hexdigest()[:16]}
