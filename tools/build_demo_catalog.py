#!/usr/bin/env python3
"""Build Vitrine's demo catalog (assets/demo/) from Debian's public-domain clip-art.

Sources (Debian packages, public domain, see assets/demo/README.md):
    apt-get install -y openclipart-png openclipart-svg wamerican
The PNG pictures live in category folders under /usr/share/openclipart/png; each has an SVG twin
under .../svg whose RDF/Dublin Core metadata holds the title, keywords and description. The
English word list (wamerican) is used to drop titles in other languages, because the demo's text
model (all-MiniLM-L6-v2) reads English.

Run once by a developer (never by CI), from the repository root:
    /tmp/venv/bin/python tools/build_demo_catalog.py
It rewrites assets/demo/items.jsonl and assets/demo/images/ deterministically (same packages in,
same bytes out).
"""
from __future__ import annotations

import argparse
import difflib
import html
import json
import re
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

# Categories a shopper would browse; the others (shapes, special, buttons, logos, unsorted) hold
# geometric primitives, gradients or leftovers that make poor recommendations.
CATEGORIES = [
    "animals", "buildings", "computer", "containers", "decorations", "education", "electronics",
    "food", "geography", "office", "people", "plants", "recreation", "science",
    "signs_and_symbols", "tools", "transportation",
]
# Sub-trees that are icon themes or card decks: hundreds of near-identical pictures.
EXCLUDED_SUBTREES = ("computer/icons/", "recreation/games/cards/", "signs_and_symbols/map_symbols/")
# Titles that name a collection, a tool or an author rather than the picture.
BAD_TITLE = re.compile(
    r"clip ?art|collection|theme|icon ?set|svg|various|untitled|drawing|layer|sibmission|"
    r"submission|http|@|\.com|\.org|architetto|\b(19|20)\d\d\b",
    re.IGNORECASE,
)
# Descriptions about the file's making rather than the picture.
BAD_DESCRIPTION = re.compile(
    r"http|www\.|@|HASH\(|EPS converted|created (with|in)|inkscape|sodipodi|made with|derived from|"
    r"derivative|autotraced|based on|you(r)? site|fixed version|gradien",
    re.IGNORECASE,
)
# Weapons do not belong in a friendly demo shop.
EXCLUDED_TAGS = {"weapon", "weapons", "gun", "bomb", "nuclear", "military", "army", "pistol", "rifle"}
# Individually reviewed pictures that do not suit a family-friendly demo.
EXCLUDED_TITLES = {"eris", "eris apple", "kallisti-grenade 1", "cannabis leaf"}
# Words that make variants of one drawing ("Arrow-down-red", "Flourish One, Vertical").
VARIANT_WORDS = (
    r"red|green|blue|yellow|purple|orange|black|white|pink|gr[ae]y|brown|dark|light|colou?r|"
    r"left|right|up|down|upper|lower|top|bottom|horizontal|vertical|one|two|three|ii|iii|iv|new|another"
)
# Keyword noise: Perl artefacts, format words and the packaging's own folder labels.
JUNK_TAGS = {
    "hash", "icon", "icons", "theme", "clip art", "clipart", "svg", "png", "public domain",
    "openclipart", "image", "media", "unsorted", "special", "signs and symbols", "appicon",
    "lemon theme icon", "mapsym", "etiquette", "nicu", "wikipedia",
}
TITLE_REPEAT_LIMIT = 12   # a title shared by more files than this is a collection label
DESCRIPTION_REPEAT_LIMIT = 3  # a description shared this often describes a set, not the item
PIXEL_LIMIT = 40_000_000  # a few source PNGs are 200+ MP posters; decoding them costs GBs
MIN_CONTENT_SIDE = 64     # smaller drawings look like noise in the demo grid


@dataclass
class Candidate:
    """One openclipart picture with its cleaned metadata."""

    relative: str            # path under png/ without ".png", e.g. "plants/flowers/rose_01"
    title: str
    description: str         # cleaned SVG description, "" when absent or meaningless
    tags: list[str] = field(default_factory=list)

    @property
    def category(self) -> str:
        return self.relative.split("/", 1)[0]

    @property
    def subfolder(self) -> str:
        # Two levels ("signs_and_symbols/flags"), so the flags of 40 regions count as one group.
        return "/".join(self.relative.split("/")[:-1][:2])

    @property
    def score(self) -> float:
        # Prefer a real description, then several keywords.
        return (2.0 if self.description else 0.0) + min(len(self.tags), 4) / 4.0


def load_english_words(path: Path) -> set[str]:
    if not path.is_file():
        sys.exit(f"error: {path} is missing; install it with `apt-get install -y wamerican`")
    return {w.strip().lower() for w in path.read_text(encoding="utf-8", errors="replace").split()}


def english_ratio(text: str, words: set[str]) -> float:
    # Three-letter words match too easily across languages ("col", "con"); use them only when
    # the text has nothing longer ("Box", "Cup").
    tokens = [t.lower() for t in re.findall(r"[A-Za-z]{4,}", text)] or [
        t.lower() for t in re.findall(r"[A-Za-z]{3,}", text)]
    if not tokens:
        return 0.0
    known = sum(1 for t in tokens if t in words or t.rstrip("s") in words)
    return known / len(tokens)


def content_words(text: str) -> set[str]:
    """Lower-case words of 3+ letters with a plural "s" dropped, for overlap tests."""
    return {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]{3,}", text)}


def unescape(text: str) -> str:
    # Some files escape twice ("&amp;amp;"); unescape until nothing changes.
    while (plain := html.unescape(text)) != text:
        text = plain
    return text


def links_external_image(svg: Path) -> bool:
    """True when the drawing embeds a picture by file path rather than inline data. Such files
    were on the author's disk only, so the packaged PNG may show a "Linked Image Not Found"
    placeholder instead (the openclipart Tux, tux_didier_fabert_01, is nothing else)."""
    text = svg.read_text(encoding="utf-8", errors="replace")
    links = re.findall(r"<(?:svg:)?image\b[^>]*?href\s*=\s*[\"']([^\"']*)", text)
    return any(not link.startswith("data:") for link in links)


def svg_metadata(svg: Path) -> tuple[str, str, list[str], str]:
    """Title, description, keywords and creator from the SVG's cc:Work block ("" when absent)."""
    text = svg.read_text(encoding="utf-8", errors="replace")
    work = re.search(r"<cc:Work\b.*?</cc:Work>", text, re.S)
    if not work:
        return "", "", [], ""
    block = work.group(0)
    # The creator's and publisher's names are dc:title elements too; take the Work's own title,
    # which is the first dc:title before any cc:Agent.
    head = block.split("<cc:Agent", 1)[0]

    def first(tag: str, source: str) -> str:
        m = re.search(rf"<dc:{tag}>(.*?)</dc:{tag}>", source, re.S)
        return unescape(m.group(1)).strip() if m else ""

    creator_block = re.search(r"<dc:creator>(.*?)</dc:creator>", block, re.S)
    creator = first("title", creator_block.group(1)) if creator_block else ""
    subject = re.search(r"<dc:subject>(.*?)</dc:subject>", block, re.S)
    keywords = []
    if subject:
        keywords = [unescape(k).strip() for k in re.findall(r"<rdf:li>(.*?)</rdf:li>", subject.group(1), re.S)]
    return first("title", head), first("description", head), [k for k in keywords if k], creator


def clean_title(raw: str) -> str:
    title = re.sub(r"[_\s]+", " ", raw).strip(" -.")
    return title[:1].upper() + title[1:] if title else ""


def clean_description(raw: str) -> str:
    text = re.sub(r"\s+", " ", raw).strip()
    if len(text) > 400:  # keep it well inside the text model's window; cut at a sentence end
        cut = text[:400].rsplit(". ", 1)[0]
        text = cut if len(cut) > 80 else text[:400].rsplit(" ", 1)[0]
        text = text.rstrip(".") + "."
    return text


def clean_tags(keywords: list[str], creator: str) -> list[str]:
    tags: list[str] = []
    creator_key = creator.lower().strip()
    for keyword in keywords:
        # "space astronomy planet mars" is four keywords typed into one field.
        parts = keyword.split() if len(keyword.split()) >= 3 else re.split(r"[,;]", keyword)
        for part in parts:
            tag = re.sub(r"[_\-\s]+", " ", part.lower()).strip()
            if (len(tag) < 2 or tag in JUNK_TAGS or tag == creator_key or tag.isdigit()
                    or len(tag) > 30 or tag in tags or not re.fullmatch(r"[a-z][a-z0-9 '&.]*", tag)
                    or re.search(r"0x|hash\(", tag) or (" " not in tag and len(tag) > 20)):
                continue
            tags.append(tag)
    return tags[:10]


def dedupe_key(title: str) -> str:
    key = title.lower()
    key = re.sub(r"\(.*?\)|\bb ?(and|&|/) ?w\b|black and white", " ", key)
    key = re.sub(rf"\b({VARIANT_WORDS})\b", " ", re.sub(r"[^a-z]+", " ", key))
    key = re.sub(r"[^a-z]+", "", key)
    return key.rstrip("s")


def gather(source: Path, words: set[str]) -> list[Candidate]:
    raw = []
    for png in sorted((source / "png").rglob("*.png")):
        relative = png.relative_to(source / "png").with_suffix("").as_posix()
        if relative.split("/", 1)[0] not in CATEGORIES or relative.startswith(EXCLUDED_SUBTREES):
            continue
        svg = source / "svg" / (relative + ".svg")
        if not svg.is_file() or links_external_image(svg):
            continue
        raw.append((relative, *svg_metadata(svg)))
    # Counted over everything gathered so collection labels shared across a category show up.
    title_counts = Counter(clean_title(t).lower() for _, t, _, _, _ in raw)
    description_counts = Counter(clean_description(d).lower() for _, _, d, _, _ in raw if d)
    candidates = []
    for relative, title, description, keywords, creator in raw:
        title = clean_title(title)
        if (len(title) < 3 or len(title) > 60 or BAD_TITLE.search(title)
                or title_counts[title.lower()] > TITLE_REPEAT_LIMIT
                or title.lower() == creator.lower().strip()
                or english_ratio(title, words) < 0.6 or "architetto" in relative):
            continue
        description = clean_description(description)
        if (len(description) < 15 or BAD_DESCRIPTION.search(description)
                or description_counts[description.lower()] > DESCRIPTION_REPEAT_LIMIT
                or dedupe_key(description) == dedupe_key(title)
                or english_ratio(description, words) < 0.6
                or not content_words(description) & content_words(title + " " + " ".join(keywords))):
            description = ""  # says nothing about the picture (or not in English)
        tags = clean_tags(keywords, creator)
        if (EXCLUDED_TAGS & set(tags) or EXCLUDED_TAGS & content_words(title)
                or title.lower() in EXCLUDED_TITLES):
            continue
        candidates.append(Candidate(relative, title, description, tags))
    return candidates


def content_crop(path: Path) -> Image.Image | None:
    """The picture cropped to its drawn content as RGBA, or None when unusable."""
    with Image.open(path) as image:
        if image.width * image.height > PIXEL_LIMIT:
            return None
        rgba = image.convert("RGBA")
    alpha_box = rgba.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    if alpha_box is None:
        return None
    if alpha_box == (0, 0, rgba.width, rgba.height):
        # Opaque picture: crop the white page margin instead.
        gray = rgba.convert("L").point(lambda v: 255 if v < 248 else 0)
        alpha_box = gray.getbbox() or alpha_box
    left, top, right, bottom = alpha_box
    margin = max(2, round(0.03 * max(right - left, bottom - top)))
    box = (max(0, left - margin), max(0, top - margin),
           min(rgba.width, right + margin), min(rgba.height, bottom + margin))
    cropped = rgba.crop(box)
    if max(cropped.size) < MIN_CONTENT_SIDE or min(cropped.size) < 8:
        return None
    return cropped


def shrink(image: Image.Image, max_side: int) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)  # Pillow premultiplies alpha here


def allocate(available: dict[str, int], total: int) -> dict[str, int]:
    """Even shares per category, capped by what each category has (water-filling)."""
    quota = {c: 0 for c in available}
    remaining = total
    open_categories = [c for c in available if available[c] > 0]
    while remaining > 0 and open_categories:
        share = max(1, remaining // len(open_categories))
        for category in list(open_categories):
            take = min(share, available[category] - quota[category], remaining)
            quota[category] += take
            remaining -= take
            if quota[category] >= available[category]:
                open_categories.remove(category)
            if remaining == 0:
                break
    return quota


def slug(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].strip("-") or "item"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def fallback_description(item: Candidate) -> str:
    tags = [t for t in item.tags if t.lower() not in item.title.lower()][:5]
    subject = item.category.replace("_", " ")
    if not tags:
        return f"{item.title}: a clip-art picture from the {subject} category."
    listed = tags[0] if len(tags) == 1 else ", ".join(tags[:-1]) + " and " + tags[-1]
    return f"{item.title}: a clip-art picture from the {subject} category, about {listed}."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, default=Path("/usr/share/openclipart"))
    parser.add_argument("--out", type=Path, default=Path("assets/demo"))
    parser.add_argument("--count", type=int, default=400, help="items to pick (300-500)")
    parser.add_argument("--max-side", type=int, default=256, help="long side of output pictures")
    parser.add_argument("--words", type=Path, default=Path("/usr/share/dict/words"))
    args = parser.parse_args()
    if not 300 <= args.count <= 500:
        parser.error("--count must be between 300 and 500")

    candidates = gather(args.source, load_english_words(args.words))
    # Best candidate first; the path breaks ties so the result is deterministic.
    candidates.sort(key=lambda c: (-c.score, c.relative))
    best_per_key: dict[str, Candidate] = {}
    for candidate in candidates:
        best_per_key.setdefault(dedupe_key(candidate.title), candidate)
    unique = sorted(best_per_key.values(), key=lambda c: (-c.score, c.relative))

    by_category: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in unique:
        by_category[candidate.category].append(candidate)
    quota = allocate({c: len(v) for c, v in sorted(by_category.items())}, args.count)

    image_dir = args.out / "images"
    if image_dir.exists():
        shutil.rmtree(image_dir)
    image_dir.mkdir(parents=True)
    taken_ids: set[str] = set()
    chosen_keys: list[str] = []
    items = []
    from_svg = 0  # descriptions taken from the SVG rather than built from title + keywords
    for category in sorted(by_category):
        # Round-robin over sub-folders so one big folder (say, flags) cannot fill the quota.
        queues: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in by_category[category]:
            queues[candidate.subfolder].append(candidate)
        picked = 0
        while picked < quota[category] and any(queues.values()):
            for folder in sorted(queues):
                if picked >= quota[category] or not queues[folder]:
                    continue
                item = queues[folder].pop(0)
                key = dedupe_key(item.title)
                if any(difflib.SequenceMatcher(None, key, k).ratio() >= 0.85 for k in chosen_keys):
                    continue  # near-identical title ("Red apple" / "Red apples 2")
                picture = content_crop(args.source / "png" / (item.relative + ".png"))
                if picture is None:
                    continue
                item_id = slug(item.title, taken_ids)
                shrink(picture, args.max_side).save(image_dir / f"{item_id}.png", optimize=True)
                chosen_keys.append(key)
                from_svg += bool(item.description)
                picked += 1
                items.append({
                    "id": item_id,
                    "title": item.title,
                    "description": item.description or fallback_description(item),
                    "tags": item.tags,
                    "category": category,
                    "images": [f"images/{item_id}.png"],
                    "source": f"/usr/share/openclipart/png/{item.relative}.png",
                })
    with open(args.out / "items.jsonl", "w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in image_dir.iterdir())
    counts = Counter(i["category"] for i in items)
    print(f"candidates {len(candidates)}, unique titles {len(unique)}")
    print(f"wrote {len(items)} items in {len(counts)} categories, images {size / 1e6:.1f} MB, "
          f"{from_svg} descriptions from the SVG metadata, {len(items) - from_svg} built from title + keywords")
    for category, n in sorted(counts.items()):
        print(f"  {category:18} {n:3}  (of {len(by_category[category])})")


if __name__ == "__main__":
    main()
