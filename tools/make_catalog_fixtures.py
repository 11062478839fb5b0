"""Builds Tests/VitrineCatalogTests/Fixtures/groups: a tiny catalog with known groups.

Three photo subjects from Tests/VitrineModelsTests/Fixtures/photos (cat, espresso, rocket), two
different crops of each (one mirrored), each paired with a description on the subject's topic
written differently. Layout (a): `<id>.jpg` + `<id>.txt`. Run once by a developer:

    /tmp/venv/bin/python tools/make_catalog_fixtures.py
"""
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "Tests/VitrineModelsTests/Fixtures/photos"
OUT = ROOT / "Tests/VitrineCatalogTests/Fixtures/groups"

TEXTS = {
    "cat": [
        "title: Tabby cat\ntags: pet, animal\n\nA striped domestic cat resting and looking at the camera.",
        "title: Kitten portrait\ntags: pet, feline\n\nClose-up of a house cat with whiskers and soft fur.",
    ],
    "espresso": [
        "title: Espresso cup\ntags: coffee, drink\n\nA small cup of strong espresso coffee with crema.",
        "title: Morning coffee\ntags: coffee, cafe\n\nFreshly brewed coffee served in a ceramic cup at a cafe.",
    ],
    "rocket": [
        "title: Rocket launch\ntags: space, launch\n\nA space rocket lifting off from the launch pad into the sky.",
        "title: Space launcher\ntags: space, spaceflight\n\nA launch vehicle carrying a spacecraft to orbit.",
    ],
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for subject, texts in TEXTS.items():
        image = Image.open(PHOTOS / f"{subject}.jpg").convert("RGB")
        w, h = image.size
        crops = [
            image.crop((0, 0, int(w * 0.8), int(h * 0.85))),
            ImageOps.mirror(image.crop((int(w * 0.2), int(h * 0.1), w, h))),
        ]
        for index, (crop, text) in enumerate(zip(crops, texts), start=1):
            crop.save(OUT / f"{subject}-{index}.jpg", quality=90)
            (OUT / f"{subject}-{index}.txt").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
