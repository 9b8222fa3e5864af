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
    # Drawn after the other tables, so these stay as they were.
    raw["loyalty_memberships"] = _loyalty_memberships(rng, buyers)
    raw["loyalty_points"] = _loyalty_points(rng, raw["loyalty_memberships"], buyers)
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


def _loyalty_memberships(rng: random.Random, buyers: list[str]) -> list[dict]:
    rows: list[dict] = []
    members = rng.sample(buyers, len(buyers) // 2)
    for n, customer in enumerate(members, start=1):
        joined = _when(rng)
        left = joined + dt.timedelta(days=rng.randint(1, 500)) if rng.random() < 0.3 else None
        rows.append({"membership_id": f"M{n:04d}", "customer_id": customer, "program": "points",
                     "tier": rng.choice(["bronze", "silver", "gold", None]),
                     "joined_at": joined, "left_at": left, "updated_at": left or joined})
    # A second, overlapping membership of some members: the paid club.
    for n, customer in enumerate(rng.sample(members, 6), start=1):
        joined = rng.choice(EDGE_TIMES)
        rows.append({"membership_id": f"V{n:02d}", "customer_id": customer,
                     "program": "vip_club", "tier": None, "joined_at": joined,
                     "left_at": None if n % 2 else joined + dt.timedelta(days=60),
                     "updated_at": joined})
    first = rows[0]
    rows += [
        # an older version (superseded), an exact copy, and rows staging rejects
        {**first, "tier": "gold", "updated_at": first["updated_at"] - dt.timedelta(days=3)},
        dict(rows[1]),
        {**first, "membership_id": "X1", "program": None},
        {**first, "membership_id": "X2", "left_at": first["joined_at"] - dt.timedelta(days=1)},
        {**first, "membership_id": "X3", "joined_at": None},
        # a membership whose latest version is invalid: it counts nowhere
        {**rows[2], "membership_id": "X4", "updated_at": rows[2]["updated_at"]},
        {**rows[2], "membership_id": "X4", "customer_id": None,
         "updated_at": rows[2]["updated_at"] + dt.timedelta(days=1)},
    ]
    rng.shuffle(rows)
    return rows


def _loyalty_points(rng: random.Random, memberships: list[dict], buyers: list[str]) -> list[dict]:
    rows: list[dict] = []
    owners = sorted({m["customer_id"] for m in memberships if m["customer_id"]}) + buyers[:3]
    signs = {"earn": 1, "redeem": -1, "expire": -1, "adjust": 0}  # 0: either sign
    for n in range(1, 601):
        kind = rng.choices(list(signs), weights=[6, 2, 1, 1])[0]
        sign = signs[kind] or rng.choice([-1, 1])
        rows.append({"entry_id": f"P{n:05d}", "customer_id": rng.choice(owners),
                     "occurred_at": _when(rng), "entry_type": kind,
                     "points": sign * rng.randint(1, 400),
                     "order_id": f"O{n:05d}" if kind in ("earn", "redeem") else None})
    base = {"customer_id": owners[0], "occurred_at": dt.datetime(2023, 6, 1, 12, 0, 0),
            "entry_type": "earn", "points": 10, "order_id": None}
    rows += [
        {**base, "entry_id": "X1", "points": -10},
        {**base, "entry_id": "X2", "entry_type": "redeem"},
        {**base, "entry_id": "X3", "entry_type": "bonus"},
        {**base, "entry_id": "X4", "occurred_at": None},
        {**base, "entry_id": "X5", "points": None},
        {**base, "entry_id": None},
    ]
    rows.append(dict(rows[0]))
    rng.shuffle(rows)
    return rows
