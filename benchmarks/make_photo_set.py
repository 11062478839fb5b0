#!/usr/bin/env python3
"""Build a benchmark set of ~1 MP JPEG photos with captions (never committed).

Writes COUNT pairs `photo-0001.jpg` + `photo-0001.txt` (pairs by base name) into a folder,
default /tmp/vitrine-photos. Each photo is a random crop of a real photograph, rescaled to about
1000 x 1000 px (area ~1 MP, aspect 3:4 to 4:3), mirrored half of the time, saved as JPEG quality 90
(4:2:0, baseline). Each caption names the source photo's subject ("Detail from a photo of ..." for
tight crops), so the text model has real work too.
The crops are seeded, so the same sources and seed give the same files.

Sources, all real photographs shipped by packages (the set is for local benchmarks only and is
not redistributed):
- Debian `mate-backgrounds` 1.26.0-1, /usr/share/backgrounds/mate/nature/*.jpg:
  GPL-2+ (authors in /usr/share/doc/mate-backgrounds/copyright).
- Debian `lomiri-wallpapers-16.04` and `lomiri-wallpapers-20.04` 20.04.0-2,
  /usr/share/backgrounds/*.jpg: CC-BY-4.0, CC-BY-SA-4.0, CC-BY-SA-3.0 or CC0-1.0 per file
  (listed below; authors in /usr/share/doc/lomiri-wallpapers-16.04/copyright).
- scikit-image's bundled sample data (PyPI `scikit-image`, skimage/data/): public domain
  (NASA, SpaceX) or CC0, as its docstrings state.
Install: apt-get install -y mate-backgrounds lomiri-wallpapers-16.04 lomiri-wallpapers-20.04
         /tmp/venv/bin/pip install scikit-image
Run:     /tmp/venv/bin/python benchmarks/make_photo_set.py [--out DIR] [--count 1000]
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import math
import random
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

MATE = Path("/usr/share/backgrounds/mate/nature")
LOMIRI = Path("/usr/share/backgrounds")


def skimage_data() -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        sys.exit("error: scikit-image is not installed; run /tmp/venv/bin/pip install scikit-image")
    return Path(spec.origin).parent / "data"


# (file, caption, licence). Captions were written by looking at each photo.
SOURCES = [
    (MATE / "Aqua.jpg", "A drop of water splashing into still water.", "GPL-2+"),
    (MATE / "Blinds.jpg", "A backlit green leaf with parallel veins.", "GPL-2+"),
    (MATE / "Dune.jpg", "Dune grass bending in the wind above the sea.", "GPL-2+"),
    (MATE / "FreshFlower.jpg", "An orange flower in full bloom.", "GPL-2+"),
    (MATE / "Garden.jpg", "A red marigold flower in a sunny garden.", "GPL-2+"),
    (MATE / "GreenMeadow.jpg", "Fresh green blades of grass in a meadow.", "GPL-2+"),
    (MATE / "LadyBird.jpg", "A ladybird on a grass stem among blue forget-me-not flowers.", "GPL-2+"),
    (MATE / "RainDrops.jpg", "Raindrops on long green leaves.", "GPL-2+"),
    (MATE / "Storm.jpg", "Dark storm clouds over a road through open country.", "GPL-2+"),
    (MATE / "TwoWings.jpg", "Two dandelion seeds in front of blurred orange flowers.", "GPL-2+"),
    (MATE / "Wood.jpg", "Weathered pale wooden planks.", "GPL-2+"),
    (MATE / "YellowFlower.jpg", "A yellow flower with a brown centre.", "GPL-2+"),
    (LOMIRI / "Bridge_by_Sander_Klootwijk.jpg", "Steel cables of a bridge against a blue sky over a tidal flat.", "CC-BY-SA-4.0"),
    (LOMIRI / "Dragonfly_by_Bolly.jpg", "A dragonfly resting on a twig in front of a leafy tree.", "CC-BY-SA-4.0"),
    (LOMIRI / "Kleiber_by_Lukas_Baubkus.jpg", "A nuthatch perched on the bark of a tree trunk.", "CC-BY-SA-3.0"),
    (LOMIRI / "Picture_0B_by_freespace.jpg", "A halved fig on a red bowl.", "CC-BY-4.0"),
    (LOMIRI / "Picture_1A_by_freespace.jpg", "Paint brushes with brightly coloured bristles.", "CC-BY-4.0"),
    (LOMIRI / "Wine_by_Jakkub_Mede.jpg", "A bottle and a glass of red wine on a wooden table beside a drum.", "CC-BY-4.0"),
    (LOMIRI / "aitzgorri_by_Aitzol_Berasategi.jpg", "Autumn forest and a green meadow below a mountain ridge.", "CC-BY-4.0"),
    (LOMIRI / "free_by_Peter_Nerlich.jpg", "A toy bird hanging below round ceiling lamps.", "CC-BY-SA-4.0"),
    (LOMIRI / "friends_by_Aitzol_Berasategi.jpg", "Two dogs looking out of a wooden doorway.", "CC-BY-4.0"),
    (LOMIRI / "greentock_by_Peter_Nerlich.jpg", "A modern wall clock seen at a steep angle.", "CC-BY-SA-4.0"),
    (LOMIRI / "life_by_Aitzol_Berasategi.jpg", "A forest stream flowing over mossy rocks.", "CC-BY-4.0"),
    (LOMIRI / "picosdeeuropa_by_Aitzol_Berasategi.jpg", "A mountain trail in the Picos de Europa under a cloudy sky.", "CC-BY-4.0"),
    (LOMIRI / "seeding_by_Clements_Engelhardt.jpg", "Dandelion seed heads in a meadow at sunset.", "CC0-1.0"),
    (LOMIRI / "sunset_by_Aitzol_Berasategi.jpg", "The sun setting over hills and a village.", "CC-BY-4.0"),
]
SKIMAGE_SOURCES = [
    ("astronaut.png", "The astronaut Eileen Collins in an orange flight suit in front of a flag.", "public domain (NASA)"),
    ("chelsea.png", "Chelsea the tabby cat looking to the side.", "CC0 (Stefan van der Walt)"),
    ("coffee.png", "A cup of coffee with latte art on a saucer.", "CC0 (Rachel Michetti)"),
    ("rocket.jpg", "A Falcon 9 rocket lifting off from the launch pad.", "public domain (SpaceX)"),
    ("hubble_deep_field.jpg", "Distant galaxies in the Hubble eXtreme Deep Field.", "public domain (NASA)"),
    ("retina.jpg", "A normal human retina seen through a fundus camera.", "CC0 (Mikael Häggström)"),
    ("ihc.png", "Stained colonic glands under a microscope.", "no known copyright restrictions (CMMI)"),
]
SMALL_SOURCE_SHARE = 0.07  # skimage photos are 0.2-1.2 MP, so crops are upscaled; keep them few
WORKING_SIDE = 2600        # big wallpapers (up to 6000 x 4000) are shrunk once to this short side


def load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))  # JPEG: decode at a reduced scale
        rgb = ImageOps.exif_transpose(image).convert("RGB")
    short = min(rgb.size)
    if short > WORKING_SIDE:
        scale = WORKING_SIDE / short
        rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS)
    return rgb


def random_photo(source: Image.Image, rng: random.Random) -> tuple[Image.Image, bool]:
    """A crop of `source` with a random aspect, scale and position, rescaled to ~1 MP."""
    aspect = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
    width = round(math.sqrt(1_000_000 * aspect))
    height = round(1_000_000 / width)
    # Largest crop of that aspect inside the source, then a random fraction of it.
    full_width = min(source.width, source.height * aspect)
    full_height = full_width / aspect
    small = full_width < width  # the crop will be upscaled: keep most of the picture
    fraction = rng.uniform(0.65 if small else 0.35, 1.0)
    crop_width, crop_height = full_width * fraction, full_height * fraction
    left = rng.uniform(0, source.width - crop_width)
    top = rng.uniform(0, source.height - crop_height)
    box = (left, top, left + crop_width, top + crop_height)
    photo = source.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if rng.random() < 0.5:
        photo = ImageOps.mirror(photo)
    return photo, fraction < 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/vitrine-photos"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()

    data = skimage_data()
    sources = SOURCES + [(data / name, caption, licence) for name, caption, licence in SKIMAGE_SOURCES]
    missing = [str(path) for path, _, _ in sources if not path.is_file()]
    if missing:
        sys.exit("error: missing source photos (see the install line in this script's header):\n  "
                 + "\n  ".join(missing))
    # Split the count: a small share over the skimage photos, the rest over the wallpapers.
    small_total = round(args.count * SMALL_SOURCE_SHARE)
    plan = [small_total // len(SKIMAGE_SOURCES) + (i < small_total % len(SKIMAGE_SOURCES))
            for i in range(len(SKIMAGE_SOURCES))]
    big_total = args.count - small_total
    plan = [big_total // len(SOURCES) + (i < big_total % len(SOURCES)) for i in range(len(SOURCES))] + plan

    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    number, total_bytes, digests = 0, 0, set()
    for (path, caption, _), photos in zip(sources, plan):
        source = load(path)
        for _ in range(photos):
            number += 1
            photo, close_up = random_photo(source, rng)
            stem = args.out / f"photo-{number:04d}"
            photo.save(stem.with_suffix(".jpg"), "JPEG", quality=args.quality)
            if close_up:  # the crop may not show all of the subject: say it is a detail
                caption_text = "Detail from a photo of " + caption[0].lower() + caption[1:]
            else:
                caption_text = caption
            stem.with_suffix(".txt").write_text(caption_text + "\n", encoding="utf-8")
            encoded = stem.with_suffix(".jpg").read_bytes()
            digests.add(hashlib.sha256(encoded).hexdigest())
            total_bytes += len(encoded)
    elapsed = time.perf_counter() - started
    print(f"wrote {number} photos + captions to {args.out} from {len(sources)} source photos")
    print(f"  {total_bytes / 1e6:.1f} MB of JPEG ({total_bytes / number / 1e3:.0f} kB each), "
          f"{len(digests)} distinct files, {elapsed:.1f} s")
    if len(digests) != number:
        sys.exit("error: some photos are byte-identical; change --seed")


if __name__ == "__main__":
    main()
