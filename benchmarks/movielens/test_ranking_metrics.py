"""Checks of ranking_metrics.py against hand-computed values and brute force.

    /tmp/venv-peers/bin/python benchmarks/movielens/test_ranking_metrics.py
"""
from __future__ import annotations

import math
import unittest

import numpy as np

from ranking_metrics import catalog_coverage, pairwise_auc, rank_candidates, user_metrics


class RankingMetricsTests(unittest.TestCase):
    def test_ties_are_broken_by_lower_catalog_index(self):
        scores = np.array([1.0, 3.0, 3.0, 0.0, 3.0])
        ranking = rank_candidates(scores, np.array([4, 0, 2, 1, 3]))
        self.assertEqual(ranking.tolist(), [1, 2, 4, 0, 3])

    def test_hand_computed_user(self):
        # ranking of 6 candidates; relevant items sit at ranks 1 and 3 (0-based), a third relevant
        # item is not a candidate and must be ignored.
        ranking = np.array([10, 11, 12, 13, 14, 15])
        m = user_metrics(ranking, np.array([11, 13, 99]), ks=(2, 4))
        self.assertAlmostEqual(m["recall@2"], 1 / 2)
        self.assertAlmostEqual(m["precision@2"], 1 / 2)
        self.assertAlmostEqual(m["ndcg@2"], (1 / math.log2(3)) / (1 + 1 / math.log2(3)))
        self.assertAlmostEqual(m["map@2"], (1 / 2) / 2)
        self.assertAlmostEqual(m["hit@2"], 1.0)
        self.assertAlmostEqual(m["recall@4"], 1.0)
        self.assertAlmostEqual(m["ndcg@4"], (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
        self.assertAlmostEqual(m["map@4"], (1 / 2 + 2 / 4) / 2)
        # pairs: item 11 beats 12,14,15 and loses to 10; item 13 beats 14,15 -> 5 of 2*4
        self.assertAlmostEqual(m["auc"], 5 / 8)

    def test_map_is_normalized_by_k_when_more_relevant_than_k(self):
        m = user_metrics(np.arange(10), np.array([0, 1, 2, 3, 4]), ks=(2,))
        self.assertAlmostEqual(m["map@2"], 1.0)
        self.assertAlmostEqual(m["ndcg@2"], 1.0)
        self.assertAlmostEqual(m["recall@2"], 2 / 5)

    def test_user_without_relevant_candidate_is_skipped(self):
        self.assertIsNone(user_metrics(np.arange(5), np.array([7])))

    def test_auc_matches_brute_force(self):
        rng = np.random.default_rng(3)
        for _ in range(200):
            n = int(rng.integers(2, 40))
            relevant = rng.choice(n, size=int(rng.integers(1, n)), replace=False)
            ranking = rng.permutation(n)
            rank_of = {int(item): r for r, item in enumerate(ranking)}
            pairs = [(rank_of[int(p)] < rank_of[q]) for p in relevant for q in range(n) if q not in set(relevant.tolist())]
            positions = np.flatnonzero(np.isin(ranking, relevant))
            self.assertAlmostEqual(pairwise_auc(positions, n), sum(pairs) / len(pairs))

    def test_coverage_counts_distinct_items_over_pool(self):
        self.assertAlmostEqual(catalog_coverage([np.array([1, 2]), np.array([2, 3])], 10), 0.3)


if __name__ == "__main__":
    unittest.main()
