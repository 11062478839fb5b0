#!/usr/bin/env python3
"""Does a contrastive alignment head find picture-only items from words better than the ridge imputer?

For each store (items with both an image and a text vector), hold out 20 % of the items (seeded), fit on
the rest, and measure recall@10 of "the item's own description finds the item's picture" among the
held-out items, three ways (and the other direction, a picture finding an item known only by its text,
two ways: against the image half the imputer predicts from the text, and through the heads):
  ridge-imputed   the product today: the query is the description's text vector; each held-out picture is
                  represented by the text vector the ridge imputer predicts from it (CrossModalImputer,
                  lambda 0.1), i.e. a fused text-space search against picture-only items;
  ridge-image     the description mapped into image space by ridge, against the real image vectors;
  contrastive     two linear heads (text 384 -> 256, image 1280 -> 256) trained with a symmetric InfoNCE
                  loss (temperature 0.05, Adam 2e-3, batch 256, 60 epochs, weight decay 1e-4) on the
                  training items: CLIP's objective on frozen encoders.
Run: python3 benchmarks/fusion/alignment_probe.py /tmp/vitrine-eval/{demo,emoji,tuxpaint,clipart}.sqlite
(numpy only; stores from `vitrine index`, vectors read as grid_reference.py reads them).
"""
import sqlite3
import sys

import numpy as np


def load(path):
    db = sqlite3.connect(path)
    vectors = {}
    for item, modality, dtype, data in db.execute(
            "select item_id, modality, dtype, data from vectors where modality in ('image', 'text')"):
        v = np.frombuffer(data, dtype=np.float16 if dtype == "f16" else np.float32).astype(np.float64)
        vectors.setdefault(item, {})[modality] = v / np.linalg.norm(v)
    ids = sorted(i for i in vectors if len(vectors[i]) == 2)
    return np.stack([vectors[i]["image"] for i in ids]), np.stack([vectors[i]["text"] for i in ids])


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def recall_at_10(queries, keys):
    """Share of queries i whose key i is among their 10 highest dot products."""
    scores = queries @ keys.T
    rank = (scores > scores[np.arange(len(scores)), np.arange(len(scores))][:, None]).sum(1)
    return (rank < 10).mean()


def ridge(x, y, lam=0.1):
    return np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)


def contrastive_heads(text, image, rng, dim=256, tau=0.05, lr=2e-3, epochs=60, batch=256, decay=1e-4):
    heads = [rng.normal(0, 0.05, (text.shape[1], dim)), rng.normal(0, 0.05, (image.shape[1], dim))]
    moments = [[np.zeros_like(h), np.zeros_like(h)] for h in heads]
    step = 0

    def softmax(a):
        e = np.exp(a - a.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    for _ in range(epochs):
        order = rng.permutation(len(text))
        for start in range(0, len(order), batch):
            b = order[start:start + batch]
            m = len(b)
            inputs = [text[b], image[b]]
            z = [x @ h for x, h in zip(inputs, heads)]
            norms = [np.linalg.norm(v, axis=1, keepdims=True) for v in z]
            u = [v / n for v, n in zip(z, norms)]
            s = u[0] @ u[1].T / tau
            g = (softmax(s) - np.eye(m) + (softmax(s.T) - np.eye(m)).T) / (2 * m) / tau
            grads_u = [g @ u[1], g.T @ u[0]]
            step += 1
            for k in range(2):
                gz = (grads_u[k] - u[k] * (grads_u[k] * u[k]).sum(1, keepdims=True)) / norms[k]
                grad = inputs[k].T @ gz + decay * heads[k]
                mean, var = moments[k]
                mean[:] = 0.9 * mean + 0.1 * grad
                var[:] = 0.999 * var + 0.001 * grad * grad
                heads[k] -= lr * (mean / (1 - 0.9 ** step)) / (np.sqrt(var / (1 - 0.999 ** step)) + 1e-8)
    return heads


def main():
    print("| catalog | held-out items | words → picture: ridge-imputed (today) | ridge-image | contrastive heads "
          "| picture → text-only item: ridge-imputed (today) | contrastive heads |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in sys.argv[1:]:
        image, text = load(path)
        rng = np.random.default_rng(0)
        order = rng.permutation(len(text))
        test, train = order[: len(order) // 5], order[len(order) // 5:]
        imputed = unit(image[test] @ ridge(image[train], text[train]))
        ridge_imputed = recall_at_10(text[test], imputed)
        ridge_image = recall_at_10(unit(text[test] @ ridge(text[train], image[train])), image[test])
        text_head, image_head = contrastive_heads(text[train], image[train], rng)
        contrastive = recall_at_10(unit(text[test] @ text_head), unit(image[test] @ image_head))
        # The other direction: a picture query against held-out items known only by their text, whose
        # image half the imputer predicts from that text (or the heads map both into one space).
        imputed_images = unit(text[test] @ ridge(text[train], image[train]))
        picture_imputed = recall_at_10(image[test], imputed_images)
        picture_contrastive = recall_at_10(unit(image[test] @ image_head), unit(text[test] @ text_head))
        name = path.rsplit("/", 1)[-1].removesuffix(".sqlite")
        print(f"| {name} | {len(test)} | {ridge_imputed:.3f} | {ridge_image:.3f} | {contrastive:.3f} "
              f"| {picture_imputed:.3f} | {picture_contrastive:.3f} |")


if __name__ == "__main__":
    main()
