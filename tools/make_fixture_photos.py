"""Writes the licence-clean real photos used by the EfficientNet golden fixtures.

Sources are public-domain / CC0 sample images bundled with scikit-image 0.26.0 and
matplotlib 3.11.2 (pip install scikit-image; pip install --no-deps --target /tmp/mpl_pkg
matplotlib).  Each photo is optionally cropped (to isolate a different object), downscaled
so its long side is at most 320 px (Pillow LANCZOS) and saved as baseline JPEG quality 85.
Output: Tests/VitrineModelsTests/Fixtures/photos/*.jpg and photos/LICENSES.md.

Run: /tmp/venv/bin/python tools/make_fixture_photos.py
"""
from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
import skimage

from efficientnet_reference import PHOTO_DIR

SKIMAGE_DATA = Path(skimage.__file__).parent / "data"
MPL_DATA = Path("/tmp/mpl_pkg/matplotlib/mpl-data/sample_data")
LONG_SIDE = 320

# name, source file, crop box (left, top, right, bottom) or None, licence note,
# ImageNet labels (first lemma word) a correct classifier may answer (empty = no ImageNet class).
PHOTOS = [
    ("cat", SKIMAGE_DATA / "chelsea.png", None,
     "scikit-image `chelsea.png`: CC0 by the photographer (Stefan van der Walt).",
     ["tabby", "tiger cat", "Egyptian cat"]),
    ("espresso", SKIMAGE_DATA / "coffee.png", None,
     "scikit-image `coffee.png`: CC0 by the photographer (Rachel Michetti), courtesy of Pikolo Espresso Bar.",
     ["espresso", "cup", "coffee mug"]),
    ("tripod", SKIMAGE_DATA / "camera.png", None,
     "scikit-image `camera.png` (greyscale, stored as RGB): CC0 by the photographer (Lav Varshney).",
     ["tripod", "reflex camera"]),
    ("rocket", SKIMAGE_DATA / "rocket.jpg", None,
     "scikit-image `rocket.jpg`: SpaceX launch photo of DSCOVR, released into the public domain by SpaceX.",
     ["missile", "projectile", "space shuttle"]),
    ("shuttle_model", SKIMAGE_DATA / "astronaut.png", (345, 0, 480, 300),
     "crop of scikit-image `astronaut.png` (NASA portrait of Eileen Collins): public domain.",
     ["space shuttle"]),
    ("helmet", SKIMAGE_DATA / "astronaut.png", (270, 330, 512, 512),
     "crop of scikit-image `astronaut.png` (NASA portrait of Eileen Collins): public domain.",
     ["crash helmet", "football helmet"]),
    ("uniform_portrait", MPL_DATA / "grace_hopper.jpg", None,
     "matplotlib sample data `grace_hopper.jpg`: official U.S. Navy portrait of Grace Hopper, public domain (work of the U.S. federal government).",
     ["military uniform", "suit", "Windsor tie", "bow tie"]),
    ("deep_field", SKIMAGE_DATA / "hubble_deep_field.jpg", None,
     "scikit-image `hubble_deep_field.jpg`: NASA/HubbleSite image, public domain.",
     []),
    ("retina", SKIMAGE_DATA / "retina.jpg", None,
     "scikit-image `retina.jpg`: Wikimedia Commons fundus photograph, CC0 1.0.",
     []),
]


def main() -> None:
    PHOTO_DIR.mkdir(parents=True, exist_ok=True)
    manifest = []
    lines = ["# Fixture photos: provenance and licences", "",
             "Written by `tools/make_fixture_photos.py`. All sources are public domain or CC0.", ""]
    for name, src, box, licence, expected in PHOTOS:
        with Image.open(src) as im:
            im = im.convert("RGB")
            if box is not None:
                im = im.crop(box)
            scale = LONG_SIDE / max(im.size)
            if scale < 1:
                im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
            out = PHOTO_DIR / f"{name}.jpg"
            im.save(out, "JPEG", quality=85)
        crop = f", crop box (l,t,r,b) {box}" if box else ""
        lines.append(f"- `{name}.jpg` ({im.width}x{im.height}{crop}): {licence}")
        manifest.append({"name": name, "file": f"{name}.jpg", "expected_labels": expected})
    (PHOTO_DIR / "LICENSES.md").write_text("\n".join(lines) + "\n")
    (PHOTO_DIR / "photos.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
