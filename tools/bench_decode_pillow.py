#!/usr/bin/env python3
"""Peer timings for bench-decode: the same steps with Pillow (libjpeg-turbo), single-threaded.

    /tmp/venv/bin/python tools/bench_decode_pillow.py /tmp/photo-12mp.jpg [iterations]

Pillow's draft() only offers 1/2, 1/4, 1/8 scales (and switches to the fast IDCT); the Swift
decoder picks any N/8 with the accurate IDCT, so the DCT-scaled rows are comparable, not identical.
"""
import io
import statistics
import sys
import time

import numpy as np
from PIL import Image

path = sys.argv[1]
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 15
data = open(path, "rb").read()
mean = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
std = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]


def measure(label, body):
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:44s} median {statistics.median(times):8.2f} ms  min {min(times):8.2f} ms")


def full_decode():
    return Image.open(io.BytesIO(data)).convert("RGB")


def draft_decode():
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    scale = 256 / min(width, height)
    image.draft("RGB", (int(width * scale), int(height * scale)))
    return image.convert("RGB")


def preprocess(decode):
    image = decode()
    width, height = image.size
    size = (256, int(256 * height / width)) if width <= height else (int(256 * width / height), 256)
    image = image.resize(size, Image.BILINEAR)
    left, top = int(round((size[0] - 224) / 2.0)), int(round((size[1] - 224) / 2.0))
    array = np.asarray(image.crop((left, top, left + 224, top + 224))).transpose(2, 0, 1)
    return (array.astype(np.float32) / np.float32(255) - mean) / std


print(f"Pillow {Image.__version__}: {path}, {iterations} iterations")
measure("decode full size", full_decode)
measure("decode draft() to short side >= 256", draft_decode)
measure("preprocess -> [3,224,224] with draft()", lambda: preprocess(draft_decode))
measure("preprocess -> [3,224,224] full decode", lambda: preprocess(full_decode))
full = full_decode()
measure("resize full image to short side 256 only", lambda: full.resize((341, 256), Image.BILINEAR))
