"""Ranking metrics shared by peers.py; the definitions Vitrine's Swift evaluator must match.

Everything is per user, from one full ranking of that user's candidate items, then averaged over
the users that have at least one relevant candidate. README.md ("Metric definitions") says the
same in words. Plain numpy, float64, no model code, so the definitions can be read in one sitting.
"""
from __future__ import annotations

import math

import numpy as np

KS = (10, 20)


def rank_candidates(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Candidate catalog indices, best first: higher score first, ties by lower catalog index.

    The catalog index is the item's 0-based line in items.jsonl (ML-100K: item id minus one), so a
    tie (popularity has many) is broken the same way on every side.
    """
    candidates = np.asarray(candidates)
    return candidates[np.lexsort((candidates, -np.asarray(scores, dtype=np.float64)[candidates]))]


def user_metrics(ranking: np.ndarray, relevant: np.ndarray, ks=KS) -> dict[str, float] | None:
    """Recall, Precision, NDCG, MAP, HitRate at each K, and AUC, for one user's full ranking.

    `relevant` holds the user's test items (catalog indices); those not among the candidates are
    ignored. Returns None when no relevant item is a candidate (the user is then not averaged).
    """
    is_relevant = np.isin(ranking, relevant)
    positions = np.flatnonzero(is_relevant)  # 0-based ranks of the relevant candidates, ascending
    n_relevant = len(positions)
    if n_relevant == 0:
        return None
    result: dict[str, float] = {}
    for k in ks:
        hit_positions = positions[positions < k]
        hits = len(hit_positions)
        ideal = min(n_relevant, k)
        dcg = sum(1.0 / math.log2(p + 2) for p in hit_positions)
        idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal))
        # AP@K: precision at the rank of each hit within the top K, summed, over min(|relevant|, K).
        average_precision = sum((j + 1) / (p + 1) for j, p in enumerate(hit_positions)) / ideal
        result[f"recall@{k}"] = hits / n_relevant
        result[f"precision@{k}"] = hits / k
        result[f"ndcg@{k}"] = dcg / idcg
        result[f"map@{k}"] = average_precision
        result[f"hit@{k}"] = 1.0 if hits else 0.0
    result["auc"] = pairwise_auc(positions, len(ranking))
    return result


def pairwise_auc(positions: np.ndarray, n_candidates: int) -> float:
    """Fraction of (relevant, non-relevant) candidate pairs where the relevant item ranks higher.

    From the ascending ranks of the relevant items: the j-th of them (0-based) at rank p has
    (n_candidates - 1 - p) items below it, of which (n_relevant - 1 - j) are relevant. NaN when
    every candidate is relevant (no pair exists); such users are left out of the AUC mean.
    """
    n_relevant = len(positions)
    n_negative = n_candidates - n_relevant
    if n_negative == 0:
        return float("nan")
    below = sum((n_candidates - 1 - int(p)) - (n_relevant - 1 - j) for j, p in enumerate(positions))
    return below / (n_relevant * n_negative)


def catalog_coverage(top_lists: list[np.ndarray], pool_size: int) -> float:
    """Distinct items over all users' top-K lists, divided by the size of the candidate pool."""
    if pool_size == 0:
        return float("nan")
    distinct = set()
    for top in top_lists:
        distinct.update(int(item) for item in top)
    return len(distinct) / pool_size


def evaluate(score_rows, users: list[int], candidates_of, relevant_of, pool_size: int,
             ks=KS, per_user: dict | None = None) -> dict[str, float]:
    """Mean per-user metrics plus catalog coverage at each K.

    score_rows(user) -> scores over the whole catalog; candidates_of(user) -> catalog indices;
    relevant_of(user) -> the user's test items. Users with no relevant candidate are skipped.
    When `per_user` is a dict it receives each evaluated user's metrics (for cross-checking).
    """
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    tops: dict[int, list[np.ndarray]] = {k: [] for k in ks}
    evaluated = 0
    for user in users:
        ranking = rank_candidates(score_rows(user), candidates_of(user))
        metrics = user_metrics(ranking, relevant_of(user), ks)
        if metrics is None:
            continue
        evaluated += 1
        if per_user is not None:
            per_user[user] = metrics
        for k in ks:
            tops[k].append(ranking[:k])
        for name, value in metrics.items():
            if not math.isnan(value):
                sums[name] = sums.get(name, 0.0) + value
                counts[name] = counts.get(name, 0) + 1
    means = {name: sums[name] / counts[name] for name in sums}
    for k in ks:
        means[f"coverage@{k}"] = catalog_coverage(tops[k], pool_size)
    means["users"] = evaluated
    return means
