#!/usr/bin/env python3
"""Writes the sample load traces (deterministic: fixed seeds). Run from anywhere: python3 generate.py

Columns: time (ISO 8601 UTC), tenant, submissions (jobs arriving that minute), duration (seconds per job),
key (the API key that submitted them), scheduled (1 = a schedule fire, known ahead), failing (share failing fast).
"""
import math
import os
import random
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
MONDAY = datetime(2026, 3, 2, tzinfo=timezone.utc)
HEADER = "time,tenant,submissions,duration,key,scheduled,failing\n"

# Ad hoc work per tenant: jobs a minute at the busiest hour of a working day, and seconds per job.
TENANTS = {"acme": (3.0, 40), "globex": (2.0, 90), "initech": (1.0, 20)}


def poisson(rng, lam):
    # Knuth's method: fine for the small rates of a minute.
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def busy_share(at):
    """How busy this minute is compared with the peak of a working day (0..1)."""
    hour = at.hour + at.minute / 60
    weekend = at.weekday() >= 5
    if 8 <= hour < 18:
        share = 0.6 + 0.4 * math.sin(math.pi * (hour - 8) / 10)
    else:
        share = 0.03
    return share * (0.2 if weekend else 1.0)


def background(rng, days, rows):
    for minute in range(days * 24 * 60):
        at = MONDAY + timedelta(minutes=minute)
        for tenant, (rate, seconds) in TENANTS.items():
            count = poisson(rng, rate * busy_share(at))
            if count:
                rows.append((at, tenant, count, seconds, f"{tenant}-key", 0, 0))


def write(name, rows, comment):
    rows.sort(key=lambda r: (r[0], r[1], r[4]))
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as out:
        out.write(f"# {comment}\n")
        out.write(HEADER)
        for at, tenant, count, seconds, key, scheduled, failing in rows:
            out.write(f"{at:%Y-%m-%dT%H:%M:%SZ},{tenant},{count},{seconds},{key},{scheduled},{failing}\n")


def business_week():
    rng = random.Random(9)
    rows = []
    background(rng, 7, rows)
    for day in range(5):
        nine = MONDAY + timedelta(days=day, hours=9)
        rows.append((nine, "acme", 300, 45, "acme-scheduler", 1, 0))
        rows.append((nine, "globex", 100, 60, "globex-scheduler", 1, 0))
    write("business-week-0900.csv", rows,
          "A business week (Mon-Sun): ad hoc work in working hours, quiet weekend, and a 09:00 schedule burst every weekday (acme 300 x 45 s, globex 100 x 60 s).")


def flash_crowd():
    rng = random.Random(21)
    rows = []
    background(rng, 3, rows)
    start = MONDAY + timedelta(days=2, hours=14)
    for minute in range(20):
        rows.append((start + timedelta(minutes=minute), "initech", 150, 20, "initech-key", 0, 0))
    write("flash-crowd.csv", rows,
          "Three working days; on Wednesday at 14:00 tenant initech (usually about 1 job a minute) submits 150 a minute for 20 minutes.")


def key_flood():
    rng = random.Random(33)
    rows = []
    background(rng, 2, rows)
    start = MONDAY + timedelta(days=1, hours=11)
    for minute in range(10):
        rows.append((start + timedelta(minutes=minute), "globex", 1000, 5, "globex-leaked-key", 0, 0.9))
    write("key-flood.csv", rows,
          "Two working days; on Tuesday at 11:00 one leaked globex API key submits 1,000 jobs a minute for 10 minutes, 90 % of them failing at once.")


if __name__ == "__main__":
    business_week()
    flash_crowd()
    key_flood()
