"""Text-encoder peers for bench-text-encoder: ONNX Runtime and sentence-transformers on the same
inputs and the same (committed fp16, upcast) all-MiniLM-L6-v2 weights.

Run by `swift run -c release bench-text-encoder` (once per round, interleaved with the Swift
measurements); by hand:
    HF_HUB_OFFLINE=1 /tmp/venv/bin/python benchmarks/peers_text_encoder.py --inputs /tmp/inputs.json
Needs /tmp/vitrine-onnx/all-MiniLM-L6-v2.onnx (`tools/export_onnx.py`); the int8 peer is
`onnxruntime.quantization.quantize_dynamic` of it (QInt8 weights per channel, dynamic activations),
written once beside it. Prints one JSON object:
{"onnxruntime": {"short/1": sentences_per_second, ...}, "onnxruntime-int8": {...}, "sentence-transformers": {...}}.
Timings include tokenization (the Hugging Face fast tokenizer), as Vitrine's include its own.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from convert_minilm import ASSET_DIR, load_reference  # noqa: E402

ONNX = Path("/tmp/vitrine-onnx/all-MiniLM-L6-v2.onnx")
ONNX_INT8 = ONNX.with_suffix(".int8.onnx")


def int8_model() -> Path:
    """ORT's own dynamic int8 quantization of the exported model (made once)."""
    if not ONNX_INT8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(str(ONNX), str(ONNX_INT8), weight_type=QuantType.QInt8, per_channel=True)
    return ONNX_INT8


def rate(run, texts: list[str], batch: int, min_seconds: float) -> float:
    """Sentences per second: `run` over `texts` in batches of `batch`, repeated for ≥ min_seconds."""
    run(texts[:batch])  # warm-up (allocations, thread pools)
    done, start = 0, time.perf_counter()
    while True:
        for i in range(0, len(texts), batch):
            run(texts[i:i + batch])
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=Path, required=True, help="JSON {\"short\": [...], \"long\": [...]}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=0.5)
    parser.add_argument("--batch1-count", type=int, default=8, help="texts timed one by one per pass")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    inputs = json.loads(args.inputs.read_text())

    torch.set_num_threads(args.threads)
    st = load_reference()
    asset = load_file(str(ASSET_DIR / "model.safetensors"))
    st[0].auto_model.load_state_dict({k: v.float() for k, v in asset.items()}, strict=False)
    st.eval()
    tokenizer = st.tokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(ONNX), options, providers=["CPUExecutionProvider"])
    session_int8 = ort.InferenceSession(str(int8_model()), options, providers=["CPUExecutionProvider"])

    def ort_runner(session: ort.InferenceSession):
        def run(texts: list[str]) -> np.ndarray:
            enc = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="np")
            feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
            return session.run(["sentence_embedding"], feeds)[0]
        return run

    run_ort, run_ort_int8 = ort_runner(session), ort_runner(session_int8)

    def run_st(texts: list[str]) -> np.ndarray:
        return st.encode(texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True)

    # Same vectors from both peers (guards against timing a broken pipeline).
    check = inputs["short"][:4] + inputs["long"][:2]
    assert float(np.abs(run_ort(check) - run_st(check)).max()) < 1e-4
    fp32, int8 = run_ort(inputs["short"] + inputs["long"]), run_ort_int8(inputs["short"] + inputs["long"])
    print(f"ORT int8 vs fp32 min cosine {float((fp32 * int8).sum(axis=1).min()):.6f}", file=sys.stderr)

    results: dict[str, dict[str, float]] = {"onnxruntime": {}, "onnxruntime-int8": {}, "sentence-transformers": {}}
    with torch.inference_mode():
        for kind in ("short", "long"):
            for batch in (1, 32):
                texts = inputs[kind][: args.batch1_count] if batch == 1 else inputs[kind]
                for name, run in (("onnxruntime", run_ort), ("onnxruntime-int8", run_ort_int8), ("sentence-transformers", run_st)):
                    results[name][f"{kind}/{batch}"] = rate(run, texts, batch, args.min_seconds)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
