#!/usr/bin/env python3
"""Generate the VitrineImage test fixtures and their Pillow-made expected outputs.

Run once by a developer (never by CI), from the repository root:

    /tmp/venv/bin/python tools/make_image_fixtures.py
    /tmp/venv/bin/python tools/make_image_fixtures.py --bench-photo /tmp/photo-12mp.jpg   # benchmark input

Writes Tests/VitrineImageTests/Fixtures/: small images, `*.rgb` raw RGB8 expected pixels,
`*.f32` little-endian float32 tensors, and manifest.json describing every comparison
(source, expected, size, tolerance, and for broken files the error that must be reported).
Reference: Pillow (its bundled libjpeg-turbo decodes with the same ISLOW IDCT and fancy
upsampling as the system libjpeg-turbo the Swift code links). The PNG variants Pillow cannot
write (16-bit, Adam7 interlaced, header bombs) come from the small PNG writer below.
"""
import argparse
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

OUT = os.path.join("Tests", "VitrineImageTests", "Fixtures")
manifest = {"decode": [], "resize": [], "preprocess": [], "broken": [], "scaled": []}


def pattern(width, height, seed=0):
    """Asymmetric, smooth-ish test pattern: gradients, a red corner block and a blue bar on the right,
    so any flip, rotation or channel swap changes the pixels."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    image = np.zeros((height, width, 3), np.float64)
    image[..., 0] = 255 * x / max(width - 1, 1)
    image[..., 1] = 255 * y / max(height - 1, 1)
    image[..., 2] = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 5.0)
    image[: height // 3, : width // 4] = [230, 20, 20]
    image[:, width - width // 6 :] = [20, 40, 220]
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as handle:
        handle.write(data)


def expect_pixels(kind, source, image, tolerance, note, **extra):
    """Record that decoding `source` must give `image` (an RGB PIL image or HxWx3 array)."""
    array = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image, np.uint8)
    expected = source + ".rgb"
    write(expected, array.tobytes())
    entry = {"source": source, "expected": expected, "width": int(array.shape[1]),
             "height": int(array.shape[0]), "tolerance": tolerance, "note": note}
    entry.update(extra)
    manifest[kind].append(entry)


def on_white(image):
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")


# ---- PNG writer for what Pillow cannot produce ------------------------------------------------
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(array, color_type, bit_depth, interlace=False, declared_size=None):
    """array: HxW (grey) or HxWxC, dtype uint8 or uint16 (written big-endian)."""
    height, width = array.shape[:2]
    if declared_size:
        width, height = declared_size
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    big = array.astype(">u2") if bit_depth == 16 else array.astype(np.uint8)

    def scanlines(sub):
        return b"".join(b"\x00" + row.tobytes() for row in sub)

    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b"".join(scanlines(big[ys::dy, xs::dx]) for xs, ys, dx, dy in passes
                       if big[ys::dy, xs::dx].size)
    else:
        raw = scanlines(big)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def round_16_to_8(values):
    return ((values.astype(np.uint32) * 255 + 32895) >> 16).astype(np.uint8)


# ---- fixtures --------------------------------------------------------------------------------
def jpegs():
    base = Image.fromarray(pattern(64, 48, seed=1))
    for name, kwargs in [("baseline.jpg", {}), ("progressive.jpg", {"progressive": True})]:
        buffer = io.BytesIO()
        base.save(buffer, "JPEG", quality=90, **kwargs)
        write(name, buffer.getvalue())
        expect_pixels("decode", name, Image.open(io.BytesIO(buffer.getvalue())), 0, "Pillow decode")
    buffer = io.BytesIO()
    base.convert("L").save(buffer, "JPEG", quality=90)
    write("gray.jpg", buffer.getvalue())
    expect_pixels("decode", "gray.jpg", Image.open(io.BytesIO(buffer.getvalue())), 0, "Pillow L -> RGB")
    buffer = io.BytesIO()
    base.convert("CMYK").save(buffer, "JPEG", quality=90)  # Pillow writes Adobe-inverted CMYK
    write("cmyk.jpg", buffer.getvalue())
    expect_pixels("decode", "cmyk.jpg", Image.open(io.BytesIO(buffer.getvalue())), 0, "Pillow CMYK -> RGB")

    # Orientations 1-8 on a non-square pattern; expected = what a viewer shows.
    upright = Image.fromarray(pattern(40, 24, seed=2))
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        buffer = io.BytesIO()
        upright.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
        name = f"orientation-{orientation}.jpg"
        write(name, buffer.getvalue())
        shown = ImageOps.exif_transpose(Image.open(io.BytesIO(buffer.getvalue())))
        expect_pixels("decode", name, shown, 0, "Pillow ImageOps.exif_transpose", orientation=orientation)

    # DCT scaling: libjpeg's 1/4 scale against Pillow's draft() at 1/4, which uses the fast
    # integer IDCT and plain upsampling, hence a tolerance instead of exact bytes.
    large = Image.fromarray(pattern(200, 150, seed=3))
    buffer = io.BytesIO()
    large.save(buffer, "JPEG", quality=85)
    write("large.jpg", buffer.getvalue())
    drafted = Image.open(io.BytesIO(buffer.getvalue()))
    drafted.draft("RGB", (50, 37))
    expect_pixels("scaled", "large.jpg", drafted.convert("RGB"), 24, "Pillow draft 1/4 (IFAST IDCT)",
                  minimumShortSide=37, meanTolerance=3.0)
    full = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    write("large.jpg.full.rgb", np.asarray(full).tobytes())


def pngs():
    rgb = pattern(37, 29, seed=4)
    grey = rgb[..., 1]
    four = Image.fromarray(rgb).quantize(colors=4)
    buffer = io.BytesIO()
    four.save(buffer, "PNG", bits=2)
    write("palette-2bit.png", buffer.getvalue())
    expect_pixels("decode", "palette-2bit.png", Image.open(io.BytesIO(buffer.getvalue())), 0, "Pillow P -> RGB")

    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, "PNG")
    write("gray-8bit.png", buffer.getvalue())
    expect_pixels("decode", "gray-8bit.png", Image.open(io.BytesIO(buffer.getvalue())), 0, "Pillow L -> RGB")

    buffer = io.BytesIO()
    Image.fromarray(grey > 128).save(buffer, "PNG")
    write("gray-1bit.png", buffer.getvalue())
    expect_pixels("decode", "gray-1bit.png", Image.open(io.BytesIO(buffer.getvalue())), 0, "Pillow 1 -> RGB")

    grey16 = (grey.astype(np.uint16) * 257 + np.arange(grey.size).reshape(grey.shape) % 200).astype(np.uint16)
    write("gray-16bit.png", png_bytes(grey16, 0, 16))
    expect_pixels("decode", "gray-16bit.png", np.repeat(round_16_to_8(grey16)[..., None], 3, 2), 1,
                  "round(v / 257); Pillow's I;16 -> RGB clips instead of scaling")

    rgb16 = (rgb.astype(np.uint16) * 257 + 77).astype(np.uint16)
    write("rgb-16bit.png", png_bytes(rgb16, 2, 16))
    assert np.abs(np.asarray(Image.open(os.path.join(OUT, "rgb-16bit.png")).convert("RGB")).astype(int)
                  - round_16_to_8(rgb16)).max() <= 1
    expect_pixels("decode", "rgb-16bit.png", round_16_to_8(rgb16), 1, "round(v / 257); Pillow keeps the high byte")

    write("interlaced.png", png_bytes(rgb, 2, 8, interlace=True))
    reread = np.asarray(Image.open(os.path.join(OUT, "interlaced.png")).convert("RGB"))
    assert (reread == rgb).all(), "Pillow disagrees with the Adam7 writer"
    expect_pixels("decode", "interlaced.png", rgb, 0, "Adam7 source pixels, checked against Pillow")

    alpha = np.clip(np.mgrid[0:29, 0:37][1] * 7, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([rgb, alpha])).save(buffer, "PNG")
    write("rgba.png", buffer.getvalue())
    expect_pixels("decode", "rgba.png", on_white(Image.open(io.BytesIO(buffer.getvalue()))), 1,
                  "Pillow alpha_composite onto white")

    buffer = io.BytesIO()
    Image.fromarray(np.dstack([grey, alpha])).save(buffer, "PNG")
    write("gray-alpha.png", buffer.getvalue())
    expect_pixels("decode", "gray-alpha.png", on_white(Image.open(io.BytesIO(buffer.getvalue()))), 1,
                  "Pillow LA alpha_composite onto white")

    buffer = io.BytesIO()
    four.save(buffer, "PNG", transparency=0)
    write("palette-trns.png", buffer.getvalue())
    expect_pixels("decode", "palette-trns.png", on_white(Image.open(io.BytesIO(buffer.getvalue()))), 1,
                  "palette with tRNS, composited onto white")

    key = tuple(int(v) for v in rgb[0, 0])
    keyed = rgb.copy()
    keyed[:5, :5] = key
    buffer = io.BytesIO()
    Image.fromarray(keyed).save(buffer, "PNG", transparency=key)
    write("rgb-trns.png", buffer.getvalue())
    expect_pixels("decode", "rgb-trns.png", on_white(Image.open(io.BytesIO(buffer.getvalue()))), 1,
                  "RGB colour key (tRNS), composited onto white")


def resizes():
    source = pattern(97, 61, seed=5)
    buffer = io.BytesIO()
    Image.fromarray(source).save(buffer, "PNG")
    write("resize-source.png", buffer.getvalue())
    for (width, height), filter_name in [((40, 27), "bilinear"), ((53, 35), "bicubic"), ((150, 100), "bilinear"),
                                         ((131, 83), "bicubic"), ((97, 30), "bilinear"), ((33, 61), "bilinear"),
                                         ((13, 7), "bilinear"), ((60, 61), "bicubic")]:
        resample = Image.BILINEAR if filter_name == "bilinear" else Image.BICUBIC
        resized = Image.fromarray(source).resize((width, height), resample)
        name = f"resize-{width}x{height}-{filter_name}"
        array = np.asarray(resized)
        write(name + ".rgb", array.tobytes())
        manifest["resize"].append({"source": "resize-source.png", "expected": name + ".rgb", "width": width,
                                   "height": height, "filter": filter_name, "tolerance": 0,
                                   "note": f"Pillow Image.resize(({width}, {height}), {filter_name.upper()})"})
    # Noise makes bicubic overshoot and clip, which exposes the pass order (Pillow 13 runs the
    # vertical pass first when the height shrinks by more than twice the width's shrink).
    noise = np.random.default_rng(10).integers(0, 256, (67, 41, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    write("resize-noise.png", buffer.getvalue())
    for (width, height), filter_name in [((30, 20), "bicubic"), ((50, 30), "bicubic"), ((20, 60), "bicubic"),
                                         ((30, 20), "bilinear"), ((13, 90), "bilinear"), ((41, 33), "bicubic")]:
        resample = Image.BILINEAR if filter_name == "bilinear" else Image.BICUBIC
        array = np.asarray(Image.fromarray(noise).resize((width, height), resample))
        name = f"resize-noise-{width}x{height}-{filter_name}"
        write(name + ".rgb", array.tobytes())
        manifest["resize"].append({"source": "resize-noise.png", "expected": name + ".rgb", "width": width,
                                   "height": height, "filter": filter_name, "tolerance": 0,
                                   "note": f"Pillow {Image.__version__} resize of noise, {filter_name}"})


def preprocess():
    """torchvision's Resize(S) + CenterCrop(C) + ToTensor + Normalize, done with Pillow and numpy."""
    for source_size, short, crop in [((90, 70), 64, 56), ((61, 97), 48, 41)]:
        source = pattern(*source_size, seed=6)
        name = f"preprocess-{source_size[0]}x{source_size[1]}.png"
        buffer = io.BytesIO()
        Image.fromarray(source).save(buffer, "PNG")
        write(name, buffer.getvalue())
        image = Image.fromarray(source)
        width, height = image.size
        if width <= height:
            size = (short, int(short * height / width))
        else:
            size = (int(short * width / height), short)
        resized = image.resize(size, Image.BILINEAR)
        left = int(round((size[0] - crop) / 2.0))
        top = int(round((size[1] - crop) / 2.0))
        cropped = np.asarray(resized.crop((left, top, left + crop, top + crop)))
        mean = np.array([0.485, 0.456, 0.406], np.float32)
        std = np.array([0.229, 0.224, 0.225], np.float32)
        chw = cropped.transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        tensor = (chw - mean[:, None, None]) / std[:, None, None]
        write(name + ".f32", tensor.astype("<f4").tobytes())
        manifest["preprocess"].append({"source": name, "expected": name + ".f32", "resizeShortSide": short,
                                       "cropSize": crop, "tolerance": 1e-6,
                                       "note": "Pillow BILINEAR resize, torchvision centre crop, float32 normalize"})


def broken():
    baseline = open(os.path.join(OUT, "baseline.jpg"), "rb").read()
    png = open(os.path.join(OUT, "rgba.png"), "rb").read()

    def add(name, data, error, detail):
        write(name, data)
        manifest["broken"].append({"source": name, "error": error, "messageContains": detail})

    add("empty.jpg", b"", "empty", "empty")
    add("truncated.jpg", baseline[: len(baseline) // 2], "truncated", "truncated")
    add("truncated.png", png[: len(png) // 2], "truncated", "truncated")
    add("not-an-image.jpg", b"This is a text file that only claims to be a JPEG.\n", "unsupportedFormat", "unknown")
    small = Image.fromarray(pattern(8, 8, seed=7))
    for name, fmt, label in [("image.gif", "GIF", "GIF"), ("image.webp", "WEBP", "WebP"),
                             ("image.bmp", "BMP", "BMP"), ("image.tiff", "TIFF", "TIFF")]:
        buffer = io.BytesIO()
        small.save(buffer, fmt)
        add(name, buffer.getvalue(), "unsupportedFormat", label)
    add("image.heic", struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic", "unsupportedFormat", "HEIC")

    # Decompression bomb: the SOF0 header patched to claim 30000x30000 pixels.
    sof = baseline.index(b"\xff\xc0")
    bomb = bytearray(baseline)
    bomb[sof + 5 : sof + 9] = struct.pack(">HH", 30000, 30000)
    add("bomb.jpg", bytes(bomb), "tooLarge", "30000×30000")
    add("bomb.png", png_bytes(np.zeros((1, 1, 3), np.uint8), 2, 8, declared_size=(30000, 30000)),
        "tooLarge", "30000×30000")

    # Garbage in the middle of the entropy-coded data (after the SOS header). Baseline JPEG has
    # no checksum: libjpeg notices garbage only when it desynchronises the Huffman stream (stray
    # markers, leftover bytes before EOI). The seeds below were picked to show both outcomes.
    sos = baseline.index(b"\xff\xda")
    start = sos + (len(baseline) - sos) // 2

    def garbled(seed):
        data = bytearray(baseline)
        data[start : start + 64] = bytes(np.random.default_rng(seed).integers(0, 256, 64, dtype=np.uint8))
        return bytes(data)

    add("corrupt-entropy.jpg", garbled(1), "corrupt", "corrupt")             # contains 0xFF: stray marker
    add("corrupt-entropy-extraneous.jpg", garbled(2), "corrupt", "extraneous bytes")
    write("corrupt-entropy-undetectable.jpg", garbled(0))  # resynchronises: decodes, see the tests

    broken_crc = bytearray(png)
    idat = png.index(b"IDAT")
    broken_crc[idat + 40] ^= 0xFF
    add("corrupt-idat.png", bytes(broken_crc), "corrupt", "corrupt")


def bench_photo(path):
    """A 12 MP (4000x3000) JPEG made by upscaling scikit-image's 'chelsea' photo. Mild noise stands
    in for sensor grain, so the file (and its entropy decoding cost) is camera-sized, not a smooth blur."""
    from skimage import data
    upscaled = np.asarray(Image.fromarray(data.chelsea()).resize((4000, 3000), Image.BICUBIC), np.float32)
    grain = np.random.default_rng(9).normal(0, 4, upscaled.shape).astype(np.float32)
    photo = Image.fromarray(np.clip(upscaled + grain, 0, 255).astype(np.uint8))
    photo.save(path, "JPEG", quality=90)
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {photo.size[0]}x{photo.size[1]})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench-photo", help="only write the 12 MP benchmark JPEG to this path")
    args = parser.parse_args()
    if args.bench_photo:
        bench_photo(args.bench_photo)
        return
    os.makedirs(OUT, exist_ok=True)
    jpegs()
    pngs()
    resizes()
    preprocess()
    broken()
    with open(os.path.join(OUT, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1, ensure_ascii=False)
    total = sum(os.path.getsize(os.path.join(OUT, name)) for name in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes to {OUT}")


if __name__ == "__main__":
    main()
