import csv
import hashlib
import os

import baton


def main(rows=1000):
    # One artifact saved explicitly from wherever the job wrote it...
    with open("report.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "value"])
        for row in range(rows):
            writer.writerow([row, hashlib.sha256(b"%d" % row).hexdigest()])
    baton.save_artifact("report.csv", name="reports/report.csv")

    # ...and one written straight into the folder whose files become artifacts.
    chart = bytes((i * 7 + rows) % 256 for i in range(64 * 1024))
    with open(os.path.join(baton.artifacts.artifacts_dir(), "chart.bin"), "wb") as handle:
        handle.write(chart)
    baton.log("wrote report.csv (%d rows) and chart.bin" % rows)
    return {"rows": rows, "chart_sha256": hashlib.sha256(chart).hexdigest()}
