#!/usr/bin/env python3
"""Make the MovieLens 100K evaluation splits that Vitrine and its peers both read.

Input: /tmp/vitrine-ml100k/{items.jsonl,interactions.csv} from load_ml100k.py. Output, for each
protocol P in random, temporal, cold-item, cold-user:
    /tmp/vitrine-ml100k/splits/P/train.csv   user,item,event,value,timestamp (like interactions.csv)
    /tmp/vitrine-ml100k/splits/P/test.csv    same columns; every row is a relevant (positive) pair
    /tmp/vitrine-ml100k/splits/P/meta.json   the rules, the seed and the counts
    /tmp/vitrine-ml100k/splits/cold-user/onboarding.csv   history given at test time
The rules are written out in README.md ("Splits") and in each meta.json. Standard library only, and
deterministic: a fixed seed, and every list is put in a defined order before it is shuffled/sampled.
    python3 benchmarks/movielens/make_splits.py [--data DIR] [--seed 20261129]
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

COLUMNS = ["user", "item", "event", "value", "timestamp"]
POSITIVE_THRESHOLD = 4.0
HOLDOUT_FRACTION = 0.2  # applied as round-half-up(n / 5), i.e. (n + 2) // 5
COLD_ITEM_MIN_POSITIVES = 5
ONBOARDING_SIZE = 3

RULES = {
    "positive": "value >= 4 (ratings 4 and 5); test.csv holds positives only. Ratings < 4 stay in "
                "train.csv wherever their user-item pair is not held out, as weaker/negative signal.",
    "order": "users and items are ordered by integer id; a user's interactions by (timestamp, integer "
             "item id). Random draws use Python's random.Random(seed), one generator per protocol.",
    "random": "per user with n positives: shuffle the positives (in (timestamp, item) order) and hold "
              "out the first (n + 2) // 5 of them (round-half-up of 20%); users with n < 3 have no "
              "test rows. Everything else, including every rating < 4, is train.",
    "temporal": "leave-last-out per user: the user's last positive by (timestamp, item) is the test "
                "row, if the user has >= 2 positives; every other rating of the user is train, "
                "including ratings < 4 later than the test row. Not a global time cut.",
    "cold-item": "eligible items: >= 5 positives over all ratings. Sample (n + 2) // 5 of them "
                 "(sorted by id) as cold items. Every rating of a cold item leaves train; its "
                 "positives are test.csv, its ratings < 4 are dropped (in neither file). Test users "
                 "are all users with a positive on a cold item. Primary metric: rank only the cold "
                 "items (meta.json cold_items) for each test user.",
    "cold-user": "eligible users: >= 4 positives. Sample (943 + 2) // 5 = 20% of all users from "
                 "them (sorted by id). Their first 3 positives by (timestamp, item) go to "
                 "onboarding.csv (the history given at test time), their other positives to "
                 "test.csv, their ratings < 4 are dropped. train.csv = every rating of other users.",
}


class SplitInputError(Exception):
    """interactions.csv or items.jsonl that does not have the expected shape."""


def read_inputs(data: Path) -> tuple[list[str], list[dict[str, str]]]:
    items = []
    with open(data / "items.jsonl", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                items.append(str(json.loads(line)["id"]))
            except (json.JSONDecodeError, KeyError) as error:
                raise SplitInputError(f"{data / 'items.jsonl'}:{number}: {error}") from error
    with open(data / "interactions.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise SplitInputError(f"{data / 'interactions.csv'}: columns {reader.fieldnames}, expected {COLUMNS}")
        rows = list(reader)
    known = set(items)
    seen = set()
    for number, row in enumerate(rows, 2):
        try:
            float(row["value"])
        except ValueError as error:
            raise SplitInputError(f"{data / 'interactions.csv'}:{number}: value {row['value']!r}") from error
        if row["item"] not in known:
            raise SplitInputError(f"{data / 'interactions.csv'}:{number}: item {row['item']} not in items.jsonl")
        pair = (row["user"], row["item"])
        if pair in seen:  # the split rules assume one rating per user-item pair
            raise SplitInputError(f"{data / 'interactions.csv'}:{number}: second rating of pair {pair}")
        seen.add(pair)
    return items, rows


def is_positive(row: dict[str, str]) -> bool:
    return float(row["value"]) >= POSITIVE_THRESHOLD


def holdout_count(n: int) -> int:
    """Round-half-up of 20% of n, in integers so that no float rounding rule is involved."""
    return (n + 2) // 5


def chronological(row: dict[str, str]) -> tuple[str, int]:
    # ISO-8601 UTC strings of one fixed width sort like the times they name.
    return (row["timestamp"], int(row["item"]))


def by_user(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["user"]].append(row)
    return {user: sorted(grouped[user], key=chronological) for user in sorted(grouped, key=int)}


def split_random(rows, rng):
    test = []
    for user_rows in by_user(rows).values():
        positives = [row for row in user_rows if is_positive(row)]
        rng.shuffle(positives)
        test += positives[:holdout_count(len(positives))]
    return {"test": test}


def split_temporal(rows, rng):
    test = []
    for user_rows in by_user(rows).values():
        positives = [row for row in user_rows if is_positive(row)]
        if len(positives) >= 2:
            test.append(positives[-1])
    return {"test": test}


def split_cold_item(rows, rng):
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if is_positive(row):
            counts[row["item"]] += 1
    eligible = sorted((item for item, n in counts.items() if n >= COLD_ITEM_MIN_POSITIVES), key=int)
    cold = set(rng.sample(eligible, holdout_count(len(eligible))))
    test = [row for row in rows if row["item"] in cold and is_positive(row)]
    dropped = [row for row in rows if row["item"] in cold and not is_positive(row)]
    return {"test": test, "dropped": dropped, "cold_items": sorted(cold, key=int),
            "eligible_items": len(eligible)}


def split_cold_user(rows, rng):
    grouped = by_user(rows)
    eligible = [user for user, user_rows in grouped.items()
                if sum(is_positive(row) for row in user_rows) > ONBOARDING_SIZE]
    cold = set(rng.sample(eligible, holdout_count(len(grouped))))
    onboarding, test, dropped = [], [], []
    for user in sorted(cold, key=int):
        positives = [row for row in grouped[user] if is_positive(row)]
        onboarding += positives[:ONBOARDING_SIZE]
        test += positives[ONBOARDING_SIZE:]
        dropped += [row for row in grouped[user] if not is_positive(row)]
    return {"test": test, "onboarding": onboarding, "dropped": dropped,
            "cold_users": sorted(cold, key=int), "eligible_users": len(eligible)}


SPLITTERS = {"random": split_random, "temporal": split_temporal,
             "cold-item": split_cold_item, "cold-user": split_cold_user}


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def make_protocol(name: str, rows: list[dict[str, str]], seed: int, out: Path) -> dict:
    # A generator per protocol, seeded from the seed and the name, so protocols do not depend on
    # each other's draws (adding one never changes another). String seeds hash deterministically
    # in random.Random (version 2 seeding, sha512), independent of PYTHONHASHSEED.
    rng = random.Random(f"{seed}:{name}")
    result = SPLITTERS[name](rows, rng)
    held = {id(row) for key in ("test", "onboarding", "dropped") for row in result.get(key, [])}
    train = [row for row in rows if id(row) not in held]
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    order = lambda row: (int(row["user"]),) + chronological(row)  # noqa: E731
    write_rows(folder / "train.csv", sorted(train, key=order))
    write_rows(folder / "test.csv", sorted(result["test"], key=order))
    if "onboarding" in result:
        write_rows(folder / "onboarding.csv", sorted(result["onboarding"], key=order))
    meta = {
        "protocol": name,
        "seed": seed,
        "rng": f'random.Random("{seed}:{name}") (Python {sys.version_info.major}.{sys.version_info.minor})',
        "rule": RULES[name],
        "positive": RULES["positive"],
        "order": RULES["order"],
        "counts": {
            "train_rows": len(train),
            "train_positive_rows": sum(is_positive(row) for row in train),
            "train_users": len({row["user"] for row in train}),
            "train_items": len({row["item"] for row in train}),
            "test_rows": len(result["test"]),
            "test_users": len({row["user"] for row in result["test"]}),
            "test_items": len({row["item"] for row in result["test"]}),
            "dropped_rows": len(result.get("dropped", [])),
        },
    }
    if "onboarding" in result:
        meta["counts"]["onboarding_rows"] = len(result["onboarding"])
        meta["counts"]["eligible_users"] = result["eligible_users"]
        meta["cold_users"] = result["cold_users"]
    if "cold_items" in result:
        meta["counts"]["eligible_items"] = result["eligible_items"]
        meta["counts"]["cold_items"] = len(result["cold_items"])
        meta["cold_items"] = result["cold_items"]
    meta["evaluation"] = ("candidates = the cold items (meta.json cold_items) for each test user"
                          if name == "cold-item" else
                          "candidates = all items of items.jsonl minus the user's onboarding.csv items"
                          if name == "cold-user" else
                          "candidates = all items of items.jsonl minus every item the user has in train.csv")
    with open(folder / "meta.json", "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=1)
        handle.write("\n")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/vitrine-ml100k"))
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    if Path(__file__).resolve().parents[2] in args.data.resolve().parents:
        sys.exit("error: --data is inside the repository; MovieLens files must never be committed")
    try:
        _, rows = read_inputs(args.data)
    except (OSError, SplitInputError) as error:
        sys.exit(f"error: {error}")
    for name in SPLITTERS:
        counts = make_protocol(name, rows, args.seed, args.data / "splits")["counts"]
        print(f"{name:10s} " + ", ".join(f"{key} {value}" for key, value in counts.items()))


if __name__ == "__main__":
    main()
