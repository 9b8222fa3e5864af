"""The raw data set of the cross-engine tests: the reference tests' seeded generator
(tests/reference/raw_data.py, with superseded duplicates and rejected rows), plus survey
answers and engagement events for its customers, which that generator leaves empty.

The additions are seeded too, and cover what the survey and engagement marts care about:
every question and the edges of each score band (0, 6, 7, 8, 9, 10; satisfaction 1-5),
anonymous answers, ids missing from `customers`, answers and events at 00:00:00 and
23:59:59 on Feb 29 2024 and around the turn of the year, after the as-of date, several
events of a customer on one day, key actions with a duration (ignored), ties in every rank
of the engagement score, and rows the staging rules reject (out-of-range score, unknown
question or event type, missing timestamp, negative or missing duration, duplicates).
"""

from __future__ import annotations

import datetime as dt
import random

from reference import raw_data

SEED = 909
QUESTIONS = ("recommend", "repurchase", "try_new", "satisfaction")
EDGE_TIMES = [
    dt.datetime(2023, 12, 31, 23, 59, 59), dt.datetime(2024, 1, 1, 0, 0, 0),
    dt.datetime(2024, 2, 29, 0, 0, 0), dt.datetime(2024, 2, 29, 23, 59, 59),
    dt.datetime(2024, 3, 1, 0, 0, 0), dt.datetime(2024, 9, 14, 23, 59, 59),
    dt.datetime(2024, 9, 15, 0, 0, 0),
]
FIRST = dt.datetime(2022, 7, 1)
SPAN_SECONDS = int((dt.datetime(2025, 1, 20) - FIRST).total_seconds())


def generate(seed: int = SEED) -> dict[str, list[dict]]:
    raw = raw_data.generate(seed, duplicates=True, rejects=True)
    rng = random.Random(seed)
    known = [row["customer_id"] for row in raw["customers"]]
    buyers = sorted({row["customer_id"] for row in raw["orders"] if row["customer_id"]})
    unknown = [cid for cid in buyers if cid not in set(known)]
    raw["survey_responses"] = _survey_responses(rng, known, unknown)
    raw["engagement_events"] = _engagement_events(rng, known, unknown)
    return raw


def _when(rng: random.Random) -> dt.datetime:
    if rng.random() < 0.15:
        return rng.choice(EDGE_TIMES)
    return FIRST + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS))


def _survey_responses(rng: random.Random, known: list[str], unknown: list[str]) -> list[dict]:
    rows: list[dict] = []
    for n in range(1, 401):
        question = rng.choice(QUESTIONS)
        if question == "satisfaction":
            score = rng.randint(1, 5)
        else:
            score = rng.choice([0, 3, 6, 6, 7, 8, 8, 9, 9, 10, rng.randint(0, 10)])
        roll = rng.random()
        # Anonymous, an id missing from `customers`, or a known customer.
        customer = (None if roll < 0.08
                    else rng.choice(unknown) if roll < 0.15 else rng.choice(known))
        rows.append({"response_id": f"S{n:04d}", "customer_id": customer,
                     "responded_at": _when(rng), "question": question, "score": score})
    # A whole survey (all four questions) of several customers in one month.
    for n, customer in enumerate(rng.sample(known, 6), start=1):
        for question in QUESTIONS:
            rows.append({"response_id": f"W{n}{question[:2]}", "customer_id": customer,
                         "responded_at": dt.datetime(2024, 5, 10 + n, 12, 0, 0),
                         "question": question, "score": 4 if question == "satisfaction" else 9})
    # Rejected by staging, one rule each; then an exact copy and an older version of a row.
    base = {"customer_id": known[0], "responded_at": dt.datetime(2023, 6, 1, 12, 0, 0),
            "question": "recommend", "score": 8}
    rows += [
        {**base, "response_id": "X1", "question": "satisfaction", "score": 7},
        {**base, "response_id": "X2", "score": 11},
        {**base, "response_id": "X3", "question": "mood"},
        {**base, "response_id": "X4", "responded_at": None},
        {**base, "response_id": "X5", "score": None},
        {**base, "response_id": "X6", "responded_at": dt.datetime(2031, 1, 1)},
        {**base, "response_id": None},
    ]
    rows.append(dict(rows[0]))
    rows.append({**rows[1], "score": 0, "responded_at": rows[1]["responded_at"]
                 - dt.timedelta(hours=1)})
    rng.shuffle(rows)
    return rows


def _engagement_events(rng: random.Random, known: list[str], unknown: list[str]) -> list[dict]:
    rows: list[dict] = []
    active = rng.sample(known, min(len(known), 30)) + unknown[:2]
    for n in range(1, 901):
        customer = rng.choice(active)
        at = _when(rng)
        if rng.random() < 0.2 and rows:
            # Another event of a recent customer on the same day.
            customer, at = rows[-1]["customer_id"], rows[-1]["occurred_at"]
        kind = "session" if rng.random() < 0.6 else "key_action"
        duration = rng.choice([30, 60, 60, 120, 300, rng.randint(1, 3600)])
        if kind == "key_action" and rng.random() < 0.7:
            duration = None
        rows.append({"event_id": f"E{n:05d}", "customer_id": customer, "occurred_at": at,
                     "event_type": kind, "duration_seconds": duration})
    base = {"customer_id": known[0], "occurred_at": dt.datetime(2023, 6, 1, 12, 0, 0),
            "event_type": "session", "duration_seconds": 60}
    rows += [
        {**base, "event_id": "X1", "duration_seconds": -5},
        {**base, "event_id": "X2", "duration_seconds": None},
        {**base, "event_id": "X3", "event_type": "click"},
        {**base, "event_id": "X4", "occurred_at": None},
        {**base, "event_id": "X5", "customer_id": None},
        {**base, "event_id": "X6", "occurred_at": dt.datetime(1985, 1, 1)},
    ]
    rows.append(dict(rows[0]))
    rows.append({**rows[1], "duration_seconds": 1, "occurred_at": rows[1]["occurred_at"]
                 - dt.timedelta(minutes=5)})
    rng.shuffle(rows)
    return rows
