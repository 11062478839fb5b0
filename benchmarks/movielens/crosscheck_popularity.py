#!/usr/bin/env python3
"""Recompute the popularity rows of peers.json from README.md's definitions alone, standard library only.

A second, independent reading of the evaluation rules (no numpy, no code shared with peers.py or
ranking_metrics.py), and the shortest reference for Vitrine's Swift evaluator, which must match
the popularity rows to ~1e-6. Run after peers.py:
    python3 benchmarks/movielens/crosscheck_popularity.py [--data DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path


def read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def popularity_metrics(data: Path, protocol: str, catalog: dict[str, int]) -> dict[str, float]:
    folder = data / "splits" / protocol
    train, test, onboarding = read(folder / "train.csv"), read(folder / "test.csv"), read(folder / "onboarding.csv")
    cold = [catalog[item] for item in json.loads((folder / "meta.json").read_text())["cold_items"]] \
        if protocol == "cold-item" else []
    count = [0] * len(catalog)
    for row in train:
        if float(row["value"]) >= 4:
            count[catalog[row["item"]]] += 1
    seen: dict[str, set[int]] = {}
    for row in train + onboarding:
        seen.setdefault(row["user"], set()).add(catalog[row["item"]])
    relevant: dict[str, set[int]] = {}
    for row in test:
        relevant.setdefault(row["user"], set()).add(catalog[row["item"]])
    sums: dict[str, float] = {}
    users = 0
    tops: dict[int, set[int]] = {10: set(), 20: set()}
    for user in sorted(relevant, key=int):
        candidates = cold or [i for i in range(len(catalog)) if i not in seen.get(user, set())]
        ranking = sorted(candidates, key=lambda i: (-count[i], i))  # score down, catalog index up
        ranks = [r for r, item in enumerate(ranking) if item in relevant[user]]
        if not ranks:
            continue
        users += 1
        metrics = {}
        for k in (10, 20):
            hits = [r for r in ranks if r < k]
            tops[k].update(ranking[:k])
            metrics[f"recall@{k}"] = len(hits) / len(ranks)
            metrics[f"hit@{k}"] = 1.0 if hits else 0.0
            ideal = sum(1 / math.log2(i + 2) for i in range(min(len(ranks), k)))
            metrics[f"ndcg@{k}"] = sum(1 / math.log2(r + 2) for r in hits) / ideal
            metrics[f"map@{k}"] = sum((j + 1) / (r + 1) for j, r in enumerate(hits)) / min(len(ranks), k)
        correct, negatives_below = 0, 0
        for item in reversed(ranking):
            if item in relevant[user]:
                correct += negatives_below
            else:
                negatives_below += 1
        metrics["auc"] = correct / (len(ranks) * (len(ranking) - len(ranks)))
        for name, value in metrics.items():
            sums[name] = sums.get(name, 0.0) + value
    result = {name: total / users for name, total in sums.items()}
    pool = len(cold) or len(catalog)
    for k in (10, 20):
        result[f"coverage@{k}"] = len(tops[k]) / pool
    result["users"] = users
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/vitrine-ml100k"))
    args = parser.parse_args()
    with open(args.data / "items.jsonl", encoding="utf-8") as handle:
        catalog = {str(json.loads(line)["id"]): number for number, line in enumerate(handle)}
    peers = json.loads((args.data / "peers.json").read_text())["results"]
    worst = 0.0
    for protocol in ("random", "temporal", "cold-item", "cold-user"):
        mine = popularity_metrics(args.data, protocol, catalog)
        theirs = peers[protocol]["popularity"]
        difference = max(abs(value - theirs[name]) for name, value in mine.items())
        worst = max(worst, difference)
        print(f"{protocol:10s} users {mine['users']}  ndcg@10 {mine['ndcg@10']:.6f}  auc {mine['auc']:.6f}  "
              f"max |difference| vs peers.json {difference:.1e}")
    sys.exit(0 if worst < 1e-9 else 1)


if __name__ == "__main__":
    main()
