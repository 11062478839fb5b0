#!/usr/bin/env python3
"""Build evaluation catalogs of different character for fitting Vitrine's fusion weight.

Each catalog is a manifest folder (/tmp/vitrine-eval/NAME/items.jsonl + images/, PNG only) whose
items all carry a known category, so category precision@k can judge image, text and fused views.

Catalogs and their sources (Debian bookworm packages):
  emoji     fonts-noto-color-emoji (SIL OFL 1.1) rendered with Pillow at 109 px, names and
            subgroups from unicode-data's emoji/emoji-test.txt (Unicode licence). Short text (the
            CLDR name only), the picture matters. Category = subgroup (e.g. animal-mammal). Ids
            are id-like (first 10 hex of sha1 of the code points), so titles never come from a
            file name. Skin-tone and hair-style variants are dropped (near-duplicates).
  tuxpaint  tuxpaint-stamps-default (GPL-2, per its copyright file): stamps, many photographic, in category folders,
            each with a .txt whose first line is its English description. Category = top folder.
            Only the packaged PNGs (SVG twins are skipped: no rasterizer is assumed).
  clipart   openclipart-png (public domain): all top-level folders, category = top folder,
            title from the file name (the demo catalog is the curated 397-item subset).

Install and run (deterministic: same packages in, same bytes out):
    apt-get install -y --no-install-recommends python3-pil python3-numpy \
        fonts-noto-color-emoji unicode-data tuxpaint-stamps-default openclipart-png
    /usr/bin/python3 tools/build_eval_catalogs.py [--out /tmp/vitrine-eval] [emoji tuxpaint clipart]
Categories are capped (--cap, default 100 items, chosen evenly by sorted source order) and
categories with fewer than 15 items are dropped.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MIN_PER_CATEGORY = 15
EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
TUXPAINT = Path("/usr/share/tuxpaint/stamps")
OPENCLIPART = Path("/usr/share/openclipart/png")


def short_id(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]


def even_pick(items: list, cap: int) -> list:
    """At most cap items spread evenly over the (sorted) list, so one sub-folder cannot fill it."""
    if len(items) <= cap:
        return items
    return [items[(i * len(items)) // cap] for i in range(cap)]


def shrink(image: Image.Image, max_side: int = 256) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    s = max_side / max(image.size)
    return image.resize((max(1, round(image.width * s)), max(1, round(image.height * s))),
                        Image.Resampling.LANCZOS)


def flatten(image: Image.Image) -> Image.Image:
    """RGBA on white: the encoder sees what a shop page would show."""
    rgba = image.convert("RGBA")
    page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(page, rgba).convert("RGB")


def write(out: Path, name: str, rows: list[tuple[dict, Image.Image | Path]], cap: int) -> None:
    by_cat: dict[str, list] = defaultdict(list)
    for row in rows:
        by_cat[row[0]["category"]].append(row)
    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "images").mkdir(parents=True)
    kept = []
    for category in sorted(by_cat):
        if len(by_cat[category]) < MIN_PER_CATEGORY:
            continue
        kept.extend(even_pick(by_cat[category], cap))
    with open(folder / "items.jsonl", "w", encoding="utf-8") as f:
        for item, picture in kept:
            if isinstance(picture, Path):
                with Image.open(picture) as im:
                    picture = shrink(flatten(im))
            rel = f"images/{item['id']}.png"
            picture.save(folder / rel, optimize=True)
            f.write(json.dumps({**item, "images": [rel]}, ensure_ascii=False) + "\n")
    cats = sorted({i["category"] for i, _ in kept})
    print(f"{name}: {len(kept)} items in {len(cats)} categories -> {folder}")


def emoji_rows() -> list:
    font = ImageFont.truetype(str(EMOJI_FONT), 109)
    rows, group, subgroup = [], "", ""
    for line in EMOJI_TEST.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        elif line.startswith("# subgroup:"):
            subgroup = line.split(":", 1)[1].strip()
        elif "; fully-qualified" in line:
            codes, comment = line.split(";", 1)[0].strip(), line.split("#", 1)[1].strip()
            name = re.sub(r"^\S+\s+E\d+\.\d+\s+", "", comment)
            if "skin tone" in name or re.search(r"(red|curly|white) hair|bald", name):
                continue
            chars = "".join(chr(int(c, 16)) for c in codes.split())
            canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
            ImageDraw.Draw(canvas).text((8, 8), chars, font=font, embedded_color=True)
            box = canvas.getbbox()
            if box is None:
                continue  # the font has no glyph for this sequence
            picture = flatten(canvas.crop(box))
            rows.append(({"id": short_id(codes), "title": name, "description": name,
                          "tags": [], "category": subgroup, "group": group,
                          "source": f"emoji-test.txt {codes}"}, picture))
    return rows


def tuxpaint_rows() -> list:
    rows = []
    for png in sorted(TUXPAINT.rglob("*.png")):
        stem = png.with_suffix("")
        if re.search(r"_(mirror|flip|thumb)$", stem.name):
            continue
        txt = stem.with_suffix(".txt")
        if not txt.is_file():
            continue
        first = txt.read_text(encoding="utf-8", errors="replace").splitlines()
        desc = first[0].strip() if first else ""
        if not desc or "=" in desc.split(" ", 1)[0]:
            continue
        rel = png.relative_to(TUXPAINT).as_posix()
        title = re.sub(r"[_\-]+", " ", stem.name).strip().capitalize()
        rows.append(({"id": short_id(rel), "title": title, "description": desc, "tags": [],
                      "category": rel.split("/", 1)[0], "source": str(png)}, png))
    return rows


def clipart_rows() -> list:
    rows = []
    for png in sorted(OPENCLIPART.rglob("*.png")):
        rel = png.relative_to(OPENCLIPART).as_posix()
        if png.stat().st_size > 3_000_000:
            continue  # posters; decoding them costs GBs
        title = re.sub(r"[_\-]+", " ", re.sub(r"_?\d+$", "", png.stem)).strip().capitalize()
        if len(title) < 3:
            continue
        rows.append(({"id": short_id(rel), "title": title, "description": title, "tags": [],
                      "category": rel.split("/", 1)[0], "source": str(png)}, png))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("names", nargs="*", default=["emoji", "tuxpaint", "clipart"])
    p.add_argument("--out", type=Path, default=Path("/tmp/vitrine-eval"))
    p.add_argument("--cap", type=int, default=100)
    a = p.parse_args()
    builders = {"emoji": emoji_rows, "tuxpaint": tuxpaint_rows, "clipart": clipart_rows}
    for name in a.names:
        write(a.out, name, builders[name](), a.cap)


if __name__ == "__main__":
    main()
