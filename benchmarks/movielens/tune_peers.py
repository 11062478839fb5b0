#!/usr/bin/env python3
"""Light tuning of the peers on a validation slice of the `random` protocol's train.csv.

The slice holds out, per user, (n + 2) // 5 of the user's train positives (seeded, like the
random split) and ranks all items the user has not got left in train. Test files are never read.
Prints NDCG@10 / Recall@20 / AUC on the slice for a small grid; peers.py's HYPERPARAMETERS hold
the values chosen from it (best NDCG@10) (README.md "Hyperparameters" records the run).
    /tmp/venv-peers/bin/python benchmarks/movielens/tune_peers.py [--data DIR] [--seed 20261129]
"""
from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path

import numpy as np

from peers import STARTING_POINT, Catalog, Split, train_method
from ranking_metrics import evaluate


def validation_slice(split: Split, seed: int) -> Split:
    """A copy of `split` whose test set is a per-user 20% of its train positives, removed from train."""
    rng = random.Random(f"{seed}:validation")
    by_user: dict[int, list[int]] = {}
    for user, item in sorted(split.train_positive):
        by_user.setdefault(user, []).append(item)
    held: set[tuple[int, int]] = set()
    for user, items in by_user.items():
        rng.shuffle(items)
        held.update((user, item) for item in items[:(len(items) + 2) // 5])
    result = copy.copy(split)
    result.train_positive = [pair for pair in split.train_positive if pair not in held]
    result.seen = {user: {item for item in items if (user, item) not in held} for user, items in split.seen.items()}
    result.test = {}
    for user, item in sorted(held):
        result.test.setdefault(user, []).append(item)
    return result


def score(split: Split, scores: np.ndarray) -> str:
    candidates_of, pool = split.candidate_views()[split.name]
    m = evaluate(lambda u: scores[u], sorted(split.test), candidates_of,
                 lambda u: np.array(split.test[u]), pool)
    return f"ndcg@10 {m['ndcg@10']:.4f} recall@20 {m['recall@20']:.4f} auc {m['auc']:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/vitrine-ml100k"))
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--round", type=int, choices=(1, 2), default=1, help="which grid (README.md)")
    args = parser.parse_args()
    catalog = Catalog(args.data)
    split = validation_slice(Split(args.data / "splits" / "random", catalog), args.seed)
    print(f"validation slice: {sum(map(len, split.test.values()))} held-out positives of "
          f"{len(split.test)} users, {len(split.train_positive)} train positives left")
    grid = [("popularity", None, {})]
    grid += [("lightfm-warp-features", "lightfm-warp-features", {"epochs": e}) for e in (10, 30, 60)]
    grid += [("lightfm-warp-identity", "lightfm-warp-identity", {"epochs": e}) for e in (10, 30, 60)]
    grid += [("lightfm-bpr-identity", "lightfm-bpr-identity", {"epochs": e, "learning_rate": lr})
             for e in (30, 60) for lr in (0.05, 0.01)]
    grid += [("implicit-bpr", "implicit-bpr", {"learning_rate": lr, "regularization": reg})
             for lr in (0.05, 0.01) for reg in (0.01, 0.001)]
    if args.round == 2:  # after round 1: identity-only LightFM overfits past 10 epochs without alpha
        alphas = lambda a: {"item_alpha": a, "user_alpha": a}  # noqa: E731
        grid = [(m, m, {"epochs": e, **alphas(a)}) for m in ("lightfm-warp-identity", "lightfm-warp-features")
                for e in (30,) for a in (1e-5, 1e-4)]
        grid += [("lightfm-bpr-identity", "lightfm-bpr-identity", {"learning_rate": lr, **alphas(a)})
                 for lr in (0.05,) for a in (1e-5, 1e-4)]
        grid += [("implicit-bpr", "implicit-bpr", {"learning_rate": lr, "iterations": it})
                 for lr, it in ((0.01, 200), (0.005, 200))]
    for method, family, change in grid:
        hyperparameters = copy.deepcopy(STARTING_POINT)
        if family:
            hyperparameters[family].update(change)
        started = time.perf_counter()
        scores = train_method(method, split, catalog, args.seed, hyperparameters)
        print(f"{method:22s} {str(change):45s} {score(split, scores)}  ({time.perf_counter() - started:.1f} s)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
