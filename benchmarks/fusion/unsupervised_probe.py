#!/usr/bin/env python3
"""Unsupervised fusion-weight estimates against the labelled grid, on Vitrine stores with categories.

Issue 16 asks for an unsupervised estimate of the fused score's image weight, for catalogs with no
categories, tags or events. This probe scores candidates that use no labels, on catalogs that have
labels, so each guess can be checked. For every store it prints:
  - the leave-one-out category precision@10 of image, text, 50/50 and the best fixed weight (0.05 grid);
  - each estimate's weight and the precision@10 at that weight.
The estimates:
  zscore        equalize the spread of the two cosine distributions: w_img·sd_img = w_txt·sd_txt
  gap           equalize the mean gap between an item's top-10 neighbours and all items
  contrast*z    weight each modality by its top-10 contrast ((top-10 mean − mean) / sd) over its spread
  consensus     the weight whose fused top-10 best recovers pairs both modalities put in their top 20
  maxmin-cross  the weight whose fused top-10 best agrees with the weaker of the two single-modality top 20s

Needs numpy. Run:
    python3 benchmarks/fusion/unsupervised_probe.py /tmp/vitrine-eval/{demo,emoji,tuxpaint,clipart}.sqlite
"""
import sys, numpy as np
sys.path.insert(0, __import__('os').path.dirname(__file__))
from grid_reference import load, normalize, precision_at_k
K = 10
def knn(S, k):
    S = S.copy(); np.fill_diagonal(S, -np.inf)
    return np.argsort(-S, axis=1, kind="stable")[:, :k]
for store in sys.argv[1:]:
    cats, vecs, _ = load(store)
    ids = [i for i in sorted(cats) if cats[i] and i in vecs["image"] and i in vecs["text"]]
    X = normalize(np.stack([vecs["image"][i] for i in ids])); T = normalize(np.stack([vecs["text"][i] for i in ids]))
    labels = np.array([cats[i] for i in ids])
    Sx, St = X @ X.T, T @ T.T
    grid = {round(w, 2): precision_at_k(w * Sx + (1 - w) * St, labels, K) for w in np.arange(0, 1.0001, 0.05)}
    best = max(grid, key=grid.get)
    def contrast(S):
        S = S.copy(); np.fill_diagonal(S, np.nan)
        mu = np.nanmean(S, axis=1); sd = np.nanstd(S, axis=1)
        top = np.sort(np.nan_to_num(S, nan=-9), axis=1)[:, -K:].mean(axis=1)
        return float(np.mean((top - mu) / sd)), float(np.mean(sd)), float(np.mean(top - mu))
    cx, sdx, gx = contrast(Sx); ct, sdt, gt = contrast(St)
    est = {}
    est["zscore"] = sdt / (sdx + sdt)              # equalize spreads: w_x*sd_x = w_t*sd_t
    est["gap"] = gt / (gx + gt)                     # equalize neighbour gaps
    est["contrast*z"] = (cx / sdx) / (cx / sdx + ct / sdt)
    # consensus pseudo-labels: pairs in both modalities' top-20
    nx, nt = knn(Sx, 20), knn(St, 20)
    cons = [set(nx[i]) & set(nt[i]) for i in range(len(ids))]
    def cons_recall(w):
        top = knn(w * Sx + (1 - w) * St, K)
        return np.mean([len(set(top[i]) & cons[i]) / max(1, min(K, len(cons[i]))) for i in range(len(ids)) if cons[i]])
    # leave-modality-out: pseudo labels from the other modality's top-20, symmetric
    def cross(w):
        top = knn(w * Sx + (1 - w) * St, K)
        a = np.mean([len(set(top[i]) & set(nt[i])) for i in range(len(ids))])
        b = np.mean([len(set(top[i]) & set(nx[i])) for i in range(len(ids))])
        return min(a, b)
    ws = [round(w, 2) for w in np.arange(0, 1.0001, 0.05)]
    est["consensus"] = max(ws, key=cons_recall)
    est["maxmin-cross"] = max(ws, key=cross)
    print(f"{store.split('/')[-1]}: n={len(ids)} image {grid[1.0]:.3f} text {grid[0.0]:.3f} 50/50 {grid[0.5]:.3f} best w={best} {grid[best]:.3f}")
    for name, w in est.items():
        wq = round(round(w / 0.05) * 0.05, 2)
        print(f"   {name:13s} w={w:.3f} -> {wq:.2f}: P@10 {grid[wq]:.3f} (gap {grid[best]-grid[wq]:+.3f})")
