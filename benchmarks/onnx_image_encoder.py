#!/usr/bin/env python3
"""ONNX Runtime peer for bench-image-encoder: EfficientNet-Lite0 images/s at given batch sizes.

Runs the model exported by tools/export_onnx.py (/tmp/vitrine-onnx/efficientnet-lite0.onnx, same
committed weights as the Swift port) on the fixture crops (Tests/VitrineModelsTests/Fixtures/
efficientnet/*.rgb, normalized with mean 0.5 / std 0.5), with `--threads` intra-op threads.
Prints one JSON line: {"threads": t, "images_per_second": {"1": x, "16": y}, "images_per_cpu_second":
{...}, "seconds": {...}} (CPU seconds are the whole process's, all threads, spin-waits included).

`--int8` runs `onnxruntime.quantization.quantize_dynamic` of the same model instead (QInt8 weights per
channel, dynamic activations; written once beside it).

bench-image-encoder calls this once per repetition so both sides run interleaved on a shared
machine. Standalone: /tmp/venv/bin/python benchmarks/onnx_image_encoder.py --batches 1,16 [--int8]
"""
import argparse
import json
import pathlib
import time

import numpy as np
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests/VitrineModelsTests/Fixtures/efficientnet"


def crops() -> np.ndarray:
    images = []
    for path in sorted(FIXTURES.glob("*.rgb")):
        pixels = np.frombuffer(path.read_bytes(), dtype=np.uint8).reshape(224, 224, 3)
        images.append(((pixels.astype(np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1))
    return np.stack(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="/tmp/vitrine-onnx/efficientnet-lite0.onnx")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", default="1,16")
    parser.add_argument("--images", type=int, default=32, help="images timed per batch size (after warm-up)")
    parser.add_argument("--int8", action="store_true", help="time ORT's dynamic int8 quantization of --model")
    args = parser.parse_args()
    if args.int8:
        quantized = pathlib.Path(args.model).with_suffix(".int8.onnx")
        if not quantized.exists():
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantize_dynamic(args.model, str(quantized), weight_type=QuantType.QInt8, per_channel=True)
        args.model = str(quantized)

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    pool = crops()
    rates, cpu_rates, seconds = {}, {}, {}
    for batch in (int(b) for b in args.batches.split(",")):
        inputs = np.ascontiguousarray(np.resize(pool, (batch, 3, 224, 224)))
        session.run(["features"], {"image": inputs})  # warm-up
        rounds = max(1, args.images // batch)
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            session.run(["features"], {"image": inputs})
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        rates[str(batch)] = rounds * batch / elapsed
        cpu_rates[str(batch)] = rounds * batch / cpu
        seconds[str(batch)] = elapsed
    print(json.dumps({"threads": args.threads, "images_per_second": rates,
                      "images_per_cpu_second": cpu_rates, "seconds": seconds}))


if __name__ == "__main__":
    main()
