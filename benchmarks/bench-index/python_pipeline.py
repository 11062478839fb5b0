#!/usr/bin/env python3
"""Python peer for bench-index: the same indexing work as `Catalog.index` with Pillow + ONNX Runtime.

For each `photo-NNNN.jpg` + `.txt` pair in a folder (first --limit pairs): Pillow decode
(draft mode for JPEG DCT scaling, as the Swift path uses libjpeg scaling), resize short side 256
(bilinear, antialiased), centre crop 224, normalize (mean/std 0.5); EfficientNet-Lite0 features in
batches of --batch; the item's text as Vitrine builds it ("photo 0001. <caption>") through the
Hugging Face tokenizer and all-MiniLM-L6-v2 (ONNX, models from
tools/export_onnx.py in /tmp/vitrine-onnx); L2-normalize both; fused vector; write all three as fp16
blobs into an SQLite file in batch transactions. Prints one JSON line with items/s (without and with
loading the models; Vitrine's figure includes loading) and peak RSS.

    /tmp/venv/bin/python benchmarks/bench-index/python_pipeline.py /tmp/vitrine-photos --limit 200 --threads 2
"""
import argparse
import concurrent.futures
import json
import pathlib
import resource
import sqlite3
import tempfile
import time

import numpy as np
import onnxruntime as ort
from PIL import Image
from tokenizers import BertWordPieceTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]


def session(path: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def image_tensor(path: pathlib.Path) -> np.ndarray:
    image = Image.open(path)
    image.draft("RGB", (256, 256))  # libjpeg DCT scaling, like the Swift decoder's default
    image = image.convert("RGB")
    w, h = image.size
    scale = 256 / min(w, h)
    image = image.resize((max(256, round(w * scale)), max(256, round(h * scale))), Image.BILINEAR)
    w, h = image.size
    left, top = (w - 224) // 2, (h - 224) // 2
    image = image.crop((left, top, left + 224, top + 224))
    pixels = np.asarray(image, dtype=np.float32) / 255
    return ((pixels - 0.5) / 0.5).transpose(2, 0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--onnx", default="/tmp/vitrine-onnx")
    parser.add_argument("--decode-threads", type=int, default=0,
                        help="decode each batch on a thread pool of this size while the previous batch runs through "
                             "the models (Pillow releases the GIL); 0 decodes inline")
    args = parser.parse_args()

    load_start = time.perf_counter()
    images = session(f"{args.onnx}/efficientnet-lite0.onnx", args.threads)
    texts = session(f"{args.onnx}/all-MiniLM-L6-v2.onnx", args.threads)
    tokenizer = BertWordPieceTokenizer(str(ROOT / "assets/models/all-MiniLM-L6-v2/vocab.txt"), lowercase=True)
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()

    load_seconds = time.perf_counter() - load_start
    pairs = sorted(pathlib.Path(args.folder).glob("*.jpg"))[: args.limit]
    db_dir = tempfile.mkdtemp()
    db = sqlite3.connect(f"{db_dir}/peer.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE vectors (id TEXT, modality TEXT, data BLOB)")
    start = time.perf_counter()
    batches = [pairs[offset: offset + args.batch] for offset in range(0, len(pairs), args.batch)]
    pool = concurrent.futures.ThreadPoolExecutor(args.decode_threads) if args.decode_threads > 0 else None
    prefetch = concurrent.futures.ThreadPoolExecutor(1)  # runs `decode` for the next batch, which fans out to `pool`

    def decode(batch):
        return np.stack(list(pool.map(image_tensor, batch)) if pool else [image_tensor(p) for p in batch])

    pending = prefetch.submit(decode, batches[0]) if pool and batches else None
    for index, batch in enumerate(batches):
        if pool:
            tensors = pending.result()
            if index + 1 < len(batches):
                pending = prefetch.submit(decode, batches[index + 1])
        else:
            tensors = decode(batch)
        (features, _) = images.run(["features", "logits"], {"image": tensors})
        features /= np.linalg.norm(features, axis=1, keepdims=True)
        # The text Vitrine's encoder reads for a picture + caption pair: "title. description", the
        # title derived from the file name ("photo-0001" → "photo 0001"; SourceItem.encoderText).
        captions = [f"{p.stem.replace('-', ' ').replace('_', ' ')}. {p.with_suffix('.txt').read_text(encoding='utf-8').strip()}"
                    for p in batch]
        encoded = tokenizer.encode_batch(captions)
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        (sentences,) = texts.run(["sentence_embedding"], feed)
        fused = np.concatenate([features * np.sqrt(0.5), sentences * np.sqrt(0.5)], axis=1)
        with db:
            for p, f, s, u in zip(batch, features, sentences, fused):
                db.executemany("INSERT INTO vectors VALUES (?, ?, ?)",
                               [(p.stem, m, v.astype(np.float16).tobytes()) for m, v in (("image", f), ("text", s), ("fused", u))])
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Vitrine's "embedding" time includes loading both models; items_per_second_with_loading is the
    # same span here (sessions + tokenizer), for a like-for-like ratio.
    print(json.dumps({"items": len(pairs), "seconds": elapsed, "items_per_second": len(pairs) / elapsed,
                      "load_seconds": load_seconds, "items_per_second_with_loading": len(pairs) / (elapsed + load_seconds),
                      "peak_rss_mb": rss, "threads": args.threads}))


if __name__ == "__main__":
    main()
