"""hnswlib and faiss on the same files as bench-ann (same M, efConstruction, efSearch, threads).

    python3 -m venv /tmp/ann-venv && /tmp/ann-venv/bin/pip install numpy hnswlib faiss-cpu
    /tmp/ann-venv/bin/python benchmarks/bench-ann/peers.py /tmp/ann-text --m 16 --ef-construction 200 --ef 10,16,32,64,128,256

Truth is exact inner-product top-10 by numpy (the vectors are unit length, so it is cosine), with the
query item itself excluded when meta.txt says the queries are the base items.
"""
import argparse
import os
import time

import numpy as np


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load(folder):
    meta = {}
    with open(os.path.join(folder, "meta.txt")) as f:
        for line in f:
            key, _, rest = line.strip().partition(" ")
            meta[key] = rest
    d = int(meta["dimension"])
    base = np.fromfile(os.path.join(folder, "base.f32"), dtype="<f4").reshape(-1, d)
    queries = np.fromfile(os.path.join(folder, "queries.f32"), dtype="<f4").reshape(-1, d)
    self_queries = "queries are the base items" in meta.get("made", "")
    return base, queries, self_queries, meta


def exact_truth(base, queries, k, self_queries):
    truth = []
    for start in range(0, len(queries), 256):
        scores = queries[start:start + 256] @ base.T
        if self_queries:
            for i in range(scores.shape[0]):
                scores[i, start + i] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        truth.extend(set(row) for row in top)
    return truth


def recall(found, truth, k):
    return float(np.mean([len(set(f[:k]) & t) / len(t) for f, t in zip(found, truth)]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--ef", default="10,16,32,64,128,256")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--peers", default="hnswlib,faiss")
    args = parser.parse_args()
    base, queries, self_queries, meta = load(args.folder)
    k = 10
    ask = k + 1 if self_queries else k
    efs = [int(x) for x in args.ef.split(",")]
    thread_counts = [int(x) for x in args.threads.split(",")]
    truth = exact_truth(base, queries, k, self_queries)
    print(f"peers: {len(base)} items × {base.shape[1]}, {len(queries)} queries, M {args.m}, efConstruction {args.ef_construction}")

    def drop_self(labels):
        if not self_queries:
            return [list(row[:k]) for row in labels]
        return [[x for x in row if x != i][:k] for i, row in enumerate(labels)]

    for peer in args.peers.split(","):
        before = rss_mb()
        if peer == "hnswlib":
            import hnswlib
            for build_threads in (1, 2):
                index = hnswlib.Index(space="ip", dim=base.shape[1])
                index.init_index(max_elements=len(base), M=args.m, ef_construction=args.ef_construction, random_seed=100)
                start = time.perf_counter()
                index.add_items(base, np.arange(len(base)), num_threads=build_threads)
                print(f"hnswlib build {time.perf_counter() - start:.1f} s ({build_threads} thread{'s' if build_threads > 1 else ''})")

            def search(q, threads, ef):
                index.set_ef(max(ef, ask))
                labels, _ = index.knn_query(q, k=ask, num_threads=threads)
                return labels
        elif peer == "faiss":
            import faiss
            for build_threads in (1, 2):
                faiss.omp_set_num_threads(build_threads)
                index = faiss.IndexHNSWFlat(base.shape[1], args.m, faiss.METRIC_INNER_PRODUCT)
                index.hnsw.efConstruction = args.ef_construction
                start = time.perf_counter()
                index.add(base)
                print(f"faiss build {time.perf_counter() - start:.1f} s ({build_threads} thread{'s' if build_threads > 1 else ''})")

            def search(q, threads, ef):
                faiss.omp_set_num_threads(threads)
                index.hnsw.efSearch = max(ef, ask)
                _, labels = index.search(q, ask)
                return labels
        else:
            raise SystemExit(f"unknown peer {peer}")
        print(f"{peer} RSS {rss_mb():.0f} MB (index ≈ {rss_mb() - before:.0f} MB)")
        print(f"| {peer} efSearch | recall@10 | " + " | ".join(f"QPS ({t} thr)" for t in thread_counts) + " |")
        print("|---:|---:|" + "|".join("---:" for _ in thread_counts) + "|")
        for ef in efs:
            rates = []
            for threads in thread_counts:
                # All queries in one call on `threads` threads: no Python overhead per query.
                start = time.perf_counter()
                labels = search(queries, threads, ef)
                rates.append(len(queries) / (time.perf_counter() - start))
            print(f"| {ef} | {recall(drop_self(labels), truth, k):.4f} | " + " | ".join(f"{r:.0f}" for r in rates) + " |")
        del index


if __name__ == "__main__":
    main()
