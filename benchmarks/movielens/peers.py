#!/usr/bin/env python3
"""Train and evaluate Vitrine's peers on the MovieLens 100K splits made by make_splits.py.

Methods: random (seeded), popularity (train positive counts), EASE (Steck 2019, numpy closed form,
λ from --ease-lambda), LightFM WARP with item features (identity + genres + title words), LightFM WARP
identity-only, LightFM BPR identity-only and implicit's BPR. random, popularity and ease need only numpy. Metrics are ranking_metrics.py's (README.md "Metric definitions"), at K = 10, 20.
Writes /tmp/vitrine-ml100k/peers.md (a table per protocol) and peers.json. Needs /tmp/venv-peers:
    python3 -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install numpy scipy lightfm-next implicit
    /tmp/venv-peers/bin/python benchmarks/movielens/peers.py [--data DIR] [--seed 20261129]
(`pip install lightfm` 1.17 does not build on Python 3.11; lightfm-next 1.19.0 is its maintained fork.)
"""
from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ranking_metrics import KS, evaluate

POSITIVE_THRESHOLD = 4.0
EASE_LAMBDA = 500.0  # overridden by --ease-lambda; Vitrine's evaluate picks λ on a validation slice
LIGHTFM = {"no_components": 64, "learning_rate": 0.05, "epochs": 30, "item_alpha": 0.0,
           "user_alpha": 0.0, "max_sampled": 10, "num_threads": 1}
# Chosen = best NDCG@10 on tune_peers.py's validation slice (a slice of the random protocol's
# train.csv) over both its grids; README.md "Hyperparameters" has the run.
HYPERPARAMETERS = {
    "lightfm-warp-features": {**LIGHTFM, "item_alpha": 1e-4, "user_alpha": 1e-4},
    "lightfm-warp-identity": {**LIGHTFM, "epochs": 10},  # 30 and 60 epochs overfit
    "lightfm-bpr-identity": {**LIGHTFM, "epochs": 60, "learning_rate": 0.01},
    "implicit-bpr": {"factors": 64, "learning_rate": 0.01, "regularization": 0.01,
                     "iterations": 100, "num_threads": 1},
}
# The grids start from these, the brief's standard values, whatever was chosen above.
STARTING_POINT = {method: dict(LIGHTFM) for method in HYPERPARAMETERS if method.startswith("lightfm")}
STARTING_POINT["implicit-bpr"] = {"factors": 64, "learning_rate": 0.05, "regularization": 0.01,
                                  "iterations": 100, "num_threads": 1}
TITLE_WORDS = "lower-case [a-z0-9]+ tokens of the title, length >= 2, not a stop word, in >= 2 titles"
STOP_WORDS = {"the", "a", "an", "of", "and", "in", "to", "on", "for", "with", "from", "at", "by",
              "la", "le", "les", "il", "el", "das", "der", "die", "de", "du", "des", "ii", "iii"}
POPULARITY_PER_USER: dict[str, dict] = {}  # view -> user id -> metrics, for the Swift cross-check
METHODS = ["random", "popularity", "ease", "lightfm-warp-features", "lightfm-warp-identity",
           "lightfm-bpr-identity", "implicit-bpr"]


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Catalog:
    """Items in items.jsonl order (the catalog index used for ties) and their content features."""

    def __init__(self, data: Path):
        self.ids, self.titles, self.tags = [], [], []
        with open(data / "items.jsonl", encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                self.ids.append(str(item["id"]))
                self.titles.append(item["title"])
                self.tags.append(list(item["tags"]))
        self.index = {item: number for number, item in enumerate(self.ids)}

    def features(self, without_identity: set[int]) -> sp.csr_matrix:
        """Identity + genre + title-word indicator columns, each row normalized to sum 1.

        Items in `without_identity` (cold items, unseen in training) get no identity column: an
        untrained identity embedding is noise, and LightFM's cold-start path is the content alone.
        """
        words = [{w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) >= 2 and w not in STOP_WORDS}
                 for title in self.titles]
        frequency = Counter(w for ws in words for w in ws)
        vocabulary = sorted(w for w, n in frequency.items() if n >= 2)
        genres = sorted({t for ts in self.tags for t in ts})
        column = {f"genre:{g}": len(self.ids) + i for i, g in enumerate(genres)}
        column.update({f"word:{w}": len(self.ids) + len(genres) + i for i, w in enumerate(vocabulary)})
        rows, cols = [], []
        for number in range(len(self.ids)):
            names = [f"genre:{g}" for g in self.tags[number]] + [f"word:{w}" for w in words[number]]
            own = [] if number in without_identity else [number]
            own += [column[n] for n in names if n in column]
            rows += [number] * len(own)
            cols += own
        matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(self.ids), len(self.ids) + len(column)))
        sums = np.asarray(matrix.sum(axis=1)).ravel()
        return sp.diags(1.0 / np.maximum(sums, 1.0)).dot(matrix).tocsr().astype(np.float32)


class Split:
    """One protocol's files, as catalog indices, with the candidate rule of its meta.json."""

    def __init__(self, folder: Path, catalog: Catalog):
        self.name = folder.name
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        train = read_rows(folder / "train.csv")
        test = read_rows(folder / "test.csv")
        onboarding = read_rows(folder / "onboarding.csv") if (folder / "onboarding.csv").exists() else []
        users = sorted({int(r["user"]) for r in train + test + onboarding})
        self.user_index = {str(u): n for n, u in enumerate(users)}
        self.n_users, self.n_items = len(users), len(catalog.ids)
        pairs = lambda rows: [(self.user_index[r["user"]], catalog.index[r["item"]]) for r in rows]  # noqa: E731
        self.train_positive = pairs([r for r in train if float(r["value"]) >= POSITIVE_THRESHOLD])
        self.onboarding = pairs(onboarding)
        self.seen: dict[int, set[int]] = {}
        for user, item in pairs(train) + self.onboarding:  # any rating: the user has seen the item
            self.seen.setdefault(user, set()).add(item)
        self.test: dict[int, list[int]] = {}
        for user, item in pairs(test):
            self.test.setdefault(user, []).append(item)
        self.cold_items = sorted(catalog.index[i] for i in self.meta.get("cold_items", []))

    def fit_matrix(self) -> sp.coo_matrix:
        """Binary user x item positives the models learn from: train positives + onboarding."""
        pairs = sorted(set(self.train_positive + self.onboarding))
        users, items = zip(*pairs)
        return sp.coo_matrix((np.ones(len(pairs), dtype=np.float32), (users, items)),
                             shape=(self.n_users, self.n_items))

    def candidate_views(self) -> dict[str, tuple]:
        """Named (candidates_of, pool_size) rules; cold-item also reports ranking among all items."""
        all_items = np.arange(self.n_items)

        def unseen(user: int) -> np.ndarray:
            seen = self.seen.get(user, set())
            return all_items[~np.isin(all_items, list(seen))] if seen else all_items

        if self.name == "cold-item":
            cold = np.array(self.cold_items)
            return {"cold-item": (lambda user: cold, len(cold)),
                    "cold-item (ranked among all items)": (unseen, self.n_items)}
        return {self.name: (unseen, self.n_items)}


def train_method(method: str, split: Split, catalog: Catalog, seed: int,
                 hyperparameters: dict = HYPERPARAMETERS) -> np.ndarray:
    """Scores for every (user, catalog item) of the split: n_users x n_items, float64."""
    if method == "random":
        return np.random.default_rng(seed).random((split.n_users, split.n_items))
    if method == "popularity":
        counts = np.zeros(split.n_items)
        for _, item in split.train_positive:  # train.csv positives only, onboarding not counted
            counts[item] += 1
        return np.broadcast_to(counts, (split.n_users, split.n_items))
    matrix = split.fit_matrix()
    if method == "ease":  # B = I - P diag(1/diag P), P = (X'X + λI)^-1, zero diagonal; scores X B
        x = matrix.tocsr().astype(np.float64)
        gram = (x.T @ x).toarray()
        gram[np.diag_indices_from(gram)] += hyperparameters.get("ease", {}).get("lambda", EASE_LAMBDA)
        p = np.linalg.inv(gram)
        b = p / -np.diag(p)
        b[np.diag_indices_from(b)] = 0
        return np.asarray(x @ b)
    if method.startswith("lightfm"):
        from lightfm import LightFM
        h = hyperparameters[method]
        model = LightFM(no_components=h["no_components"], learning_rate=h["learning_rate"],
                        loss="bpr" if "bpr" in method else "warp", item_alpha=h["item_alpha"],
                        user_alpha=h["user_alpha"], max_sampled=h["max_sampled"], random_state=seed)
        features = None
        if method == "lightfm-warp-features":
            features = catalog.features(without_identity=set(split.cold_items))
        # one thread: LightFM's Hogwild updates are otherwise not reproducible run to run
        model.fit(matrix.tocsr(), item_features=features, epochs=h["epochs"], num_threads=h["num_threads"])
        item_bias, item_vectors = model.get_item_representations(features)
        _, user_vectors = model.get_user_representations()
        return (user_vectors @ item_vectors.T + item_bias[None, :]).astype(np.float64)
    if method == "implicit-bpr":
        from implicit.cpu.bpr import BayesianPersonalizedRanking
        h = hyperparameters[method]
        model = BayesianPersonalizedRanking(factors=h["factors"], learning_rate=h["learning_rate"],
                                            regularization=h["regularization"], iterations=h["iterations"],
                                            num_threads=h["num_threads"], random_state=seed)
        model.fit(matrix.tocsr(), show_progress=False)
        return (model.user_factors @ model.item_factors.T).astype(np.float64)
    raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")


def run_protocol(split: Split, catalog: Catalog, seed: int, methods: list[str]) -> dict[str, dict]:
    views = split.candidate_views()
    results: dict[str, dict] = {view: {} for view in views}
    users = sorted(split.test)
    for method in methods:
        started = time.perf_counter()
        scores = train_method(method, split, catalog, seed)
        fit_seconds = time.perf_counter() - started
        for view, (candidates_of, pool) in views.items():
            started = time.perf_counter()
            per_user: dict = {}
            metrics = evaluate(lambda u: scores[u], users, candidates_of,
                               lambda u: np.array(split.test[u]), pool, per_user=per_user)
            if method == "popularity":
                user_ids = {index: user for user, index in split.user_index.items()}
                POPULARITY_PER_USER[view] = {user_ids[u]: m for u, m in per_user.items()}
            # All-equal scores mean the ranking is only the catalog-order tie-break (popularity and
            # implicit's zeroed factors on cold items): flagged, since ML-100K's low ids are popular.
            metrics["all_scores_tied"] = all(np.ptp(scores[u][candidates_of(u)]) == 0 for u in users)
            metrics["fit_seconds"] = round(fit_seconds, 2)
            metrics["eval_seconds"] = round(time.perf_counter() - started, 2)
            results[view][method] = metrics
            print(f"  {view:36s} {method:22s} ndcg@10 {metrics['ndcg@10']:.4f} auc {metrics['auc']:.4f} "
                  f"fit {fit_seconds:.1f}s", file=sys.stderr)
    return results


COLUMNS = [("users", "users", "{:.0f}")] + [
    (f"{name}@{k}", f"{label}@{k}", "{:.4f}") for k in KS
    for name, label in (("recall", "Recall"), ("ndcg", "NDCG"), ("map", "MAP"), ("hit", "HR"))
] + [("auc", "AUC", "{:.4f}")] + [(f"coverage@{k}", f"Cov@{k}", "{:.3f}") for k in KS] + [
    ("fit_seconds", "fit s", "{:.1f}")]


def markdown(results: dict[str, dict[str, dict]]) -> str:
    lines = []
    for view, by_method in results.items():
        lines += [f"### {view}", "", "| method | " + " | ".join(label for _, label, _ in COLUMNS) + " |",
                  "|---|" + "---:|" * len(COLUMNS)]
        for method, metrics in by_method.items():
            flag = " (all scores tied)" if metrics.get("all_scores_tied") else ""
            lines.append(f"| {method}{flag} | " + " | ".join(fmt.format(metrics[key]) for key, _, fmt in COLUMNS) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/vitrine-ml100k"))
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--protocols", nargs="*", default=["random", "temporal", "cold-item", "cold-user"])
    parser.add_argument("--methods", nargs="*", default=METHODS, choices=METHODS)
    parser.add_argument("--ease-lambda", type=float, default=EASE_LAMBDA,
                        help="EASE's L2 weight λ (use the value vitrine evaluate chose on the validation slice)")
    args = parser.parse_args()
    HYPERPARAMETERS["ease"] = {"lambda": args.ease_lambda}
    catalog = Catalog(args.data)
    started = time.perf_counter()
    results: dict[str, dict] = {}
    for protocol in args.protocols:
        folder = args.data / "splits" / protocol
        if not (folder / "meta.json").exists():
            sys.exit(f"error: {folder / 'meta.json'} is missing; run make_splits.py first")
        print(f"{protocol}:", file=sys.stderr)
        results.update(run_protocol(Split(folder, catalog), catalog, args.seed, args.methods))
    versions = {}
    for package in ("lightfm", "implicit"):  # for the record; random, popularity and ease run without them
        try:
            versions[package] = __import__(package).__version__
        except ImportError:
            versions[package] = "not installed"
    environment = {"python": platform.python_version(), "numpy": np.__version__, **versions,
                   "seed": args.seed, "total_seconds": round(time.perf_counter() - started, 1)}
    report = markdown(results)
    print(report)
    (args.data / "peers.md").write_text(
        f"# MovieLens 100K peers\n\nMade by benchmarks/movielens/peers.py; {json.dumps(environment)}\n\n"
        + report, encoding="utf-8")
    (args.data / "peers.json").write_text(json.dumps(
        {"environment": environment, "hyperparameters": HYPERPARAMETERS, "title_words": TITLE_WORDS,
         "results": results}, indent=1) + "\n",
        encoding="utf-8")
    (args.data / "popularity-per-user.json").write_text(json.dumps(POPULARITY_PER_USER, indent=0) + "\n",
                                                        encoding="utf-8")
    print(f"wrote {args.data / 'peers.md'}, peers.json and popularity-per-user.json "
          f"in {environment['total_seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
