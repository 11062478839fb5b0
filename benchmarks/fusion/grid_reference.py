#!/usr/bin/env python3
"""Reference category precision@10 for image, text and fused cosine on one Vitrine store.

Reads each item's category and its image and text vectors straight from the SQLite store (the
`vectors` rows with modality 'image' and 'text'; the stored 'fused' rows are ignored), L2-normalizes
them, and scores leave-one-out category precision@k: for every item with a category, its k nearest
other items by cosine, the fraction sharing its category, averaged over items. Fused cosine is
w*cos_img + (1-w)*cos_txt for w = 0.00, 0.05, ..., 1.00. Items without a category or missing a
modality are skipped (and counted), so every row of the table scores the same items.

Needs numpy (apt-get install -y python3-numpy). Run:
    python3 benchmarks/fusion/grid_reference.py /tmp/vitrine-eval/NAME.sqlite [--k 10]
"""
from __future__ import annotations

import argparse
import sqlite3
import sys

import numpy as np


def load(store: str):
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    categories = {i: c for i, c in db.execute("SELECT id, category FROM items")}
    vectors: dict[str, dict[str, np.ndarray]] = {"image": {}, "text": {}}
    models = {}
    for item, modality, dtype, dim, model, blob in db.execute(
            "SELECT item_id, modality, dtype, dimension, model_id, data FROM vectors "
            "WHERE modality IN ('image', 'text')"):
        v = np.frombuffer(blob, dtype="<f2" if dtype == "f16" else "<f4").astype(np.float64)
        if v.size != dim:
            sys.exit(f"error: {item} {modality} has {v.size} values, expected {dim}")
        vectors[modality][item] = v
        models.setdefault(modality, set()).add(model)
    return categories, vectors, models


def normalize(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def precision_at_k(sim: np.ndarray, labels: np.ndarray, k: int) -> float:
    sim = sim.copy()
    np.fill_diagonal(sim, -np.inf)
    # Stable tie-break by index: argsort of -sim with kind="stable".
    top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return float((labels[top] == labels[:, None]).mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("store")
    p.add_argument("--k", type=int, default=10)
    a = p.parse_args()
    categories, vectors, models = load(a.store)
    with_cat = [i for i in sorted(categories) if categories[i]]
    ids = [i for i in with_cat if i in vectors["image"] and i in vectors["text"]]
    print(f"store {a.store}: {len(categories)} items, {len(categories) - len(with_cat)} without "
          f"category skipped, {len(with_cat) - len(ids)} missing a modality skipped "
          f"(image missing {sum(i not in vectors['image'] for i in with_cat)}, "
          f"text missing {sum(i not in vectors['text'] for i in with_cat)}); scored {len(ids)}")
    print("models: " + "; ".join(f"{m}={sorted(s)}" for m, s in sorted(models.items())))
    _, labels = np.unique([categories[i] for i in ids], return_inverse=True)
    print(f"categories {labels.max() + 1}; chance P@{a.k} = "
          f"{float(np.sum(np.bincount(labels) * (np.bincount(labels) - 1)) / (len(ids) * (len(ids) - 1))):.4f}")
    img = normalize(np.stack([vectors["image"][i] for i in ids]))
    txt = normalize(np.stack([vectors["text"][i] for i in ids]))
    ci, ct = img @ img.T, txt @ txt.T
    print(f"image only  P@{a.k} = {precision_at_k(ci, labels, a.k):.4f}")
    print(f"text only   P@{a.k} = {precision_at_k(ct, labels, a.k):.4f}")
    print(f"{'w_img':>6}  P@{a.k}")
    best = (-1.0, 0.0)
    for step in range(21):
        w = step / 20
        score = precision_at_k(w * ci + (1 - w) * ct, labels, a.k)
        print(f"{w:6.2f}  {score:.4f}")
        if score > best[0] + 1e-12:
            best = (score, w)
    print(f"best w_img = {best[1]:.2f}  P@{a.k} = {best[0]:.4f}")


if __name__ == "__main__":
    main()
