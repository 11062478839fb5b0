#!/usr/bin/env python3
"""Convert MovieLens 100K (as shipped inside the PyPI package recbole==1.2.1) into Vitrine's inputs.

MovieLens data must not be committed or redistributed (GroupLens terms; see README.md here), so
this script writes only to a folder outside the repository, default /tmp/vitrine-ml100k:
    items.jsonl       {"id", "title", "description": "Title (year). Genres: ...", "tags": genres,
                       "images": [], "source"}
    interactions.csv  user,item,event,value,timestamp  (event "rating", value 1-5, ISO-8601 UTC)

Where the data comes from: the recbole 1.2.1 wheel carries
recbole/dataset_example/ml-100k/ml-100k.inter and ml-100k.item (RecBole "atomic files", tab
separated, a typed header line). recbole's own dependencies (torch, ray<=2.6.3, tensorboard,
colorlog==4.7.2, ...) are not needed to read them, so the package goes into its own venv with
--no-deps and is never imported:
    python3 -m venv /tmp/venv-recbole && /tmp/venv-recbole/bin/pip install --no-deps recbole==1.2.1
The script runs that itself when the files are missing (pass --no-install to forbid it).
Standard library only:  python3 benchmarks/movielens/load_ml100k.py [--out DIR]
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

RECBOLE = "recbole==1.2.1"
VENV = Path("/tmp/venv-recbole")
DATA_IN_PACKAGE = "recbole/dataset_example/ml-100k"


class AtomicFileError(Exception):
    """A RecBole atomic file that does not have the expected columns or values."""


def find_data(install: bool) -> Path:
    pattern = str(VENV / "lib" / "python3*" / "site-packages" / DATA_IN_PACKAGE)
    found = sorted(glob.glob(pattern))
    if not found and install:
        print(f"installing {RECBOLE} (no dependencies) into {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "--no-deps", RECBOLE], check=True)
        found = sorted(glob.glob(pattern))
    if not found:
        sys.exit(f"error: {pattern} not found; install {RECBOLE} as this script's header says")
    return Path(found[-1])


def read_atomic(path: Path, expected: list[str]) -> list[dict[str, str]]:
    """Rows of a RecBole atomic file, keyed by field name without its ":type" suffix."""
    with open(path, encoding="utf-8", errors="strict") as handle:
        lines = handle.read().splitlines()
    if not lines:
        raise AtomicFileError(f"{path}: empty file")
    names = [column.split(":", 1)[0] for column in lines[0].split("\t")]
    if names != expected:
        raise AtomicFileError(f"{path}: header has columns {names}, expected {expected}")
    rows = []
    for number, line in enumerate(lines[1:], 2):
        values = line.split("\t")
        if len(values) != len(names):
            raise AtomicFileError(f"{path}:{number}: {len(values)} fields, expected {len(names)}")
        rows.append(dict(zip(names, values)))
    return rows


def natural_title(title: str) -> str:
    """"Usual Suspects, The" -> "The Usual Suspects": reads better, for people and the text model."""
    # An alternate title in parentheses may follow: "Blue Angel, The (Blaue Engel, Der)".
    match = re.fullmatch(r"(.+?), (The|A|An|Les|Le|La|L'|Il|El|Das|Der|Die)( \(.*\))?", title.strip())
    if not match:
        return title
    article, rest = match.group(2), match.group(3) or ""
    return f"{article}{'' if article.endswith(chr(39)) else ' '}{match.group(1)}{rest}"


def describe(title: str, year: str, genres: list[str]) -> str:
    # Item 267 is "unkonwn" (sic) with year "unkonwn": print a year only when it is one.
    head = f"{title} ({year})" if year.strip().isdigit() else title
    return f"{head}. Genres: {', '.join(genres) if genres else 'unknown'}."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/vitrine-ml100k"))
    parser.add_argument("--no-install", action="store_true", help="fail instead of installing recbole")
    args = parser.parse_args()
    if Path(__file__).resolve().parents[2] in args.out.resolve().parents:
        sys.exit("error: --out is inside the repository; MovieLens files must never be committed")

    data = find_data(install=not args.no_install)
    try:
        movies = read_atomic(data / "ml-100k.item", ["item_id", "movie_title", "release_year", "class"])
        ratings = read_atomic(data / "ml-100k.inter", ["user_id", "item_id", "rating", "timestamp"])
    except (AtomicFileError, UnicodeDecodeError) as error:
        sys.exit(f"error: {error}")

    args.out.mkdir(parents=True, exist_ok=True)
    genre_counts: Counter = Counter()
    item_ids = set()
    with open(args.out / "items.jsonl", "w", encoding="utf-8") as out:
        for movie in movies:
            genres = movie["class"].split()  # "Children's", "Film-Noir", "Sci-Fi" have no spaces
            genre_counts.update(genres)
            title = natural_title(movie["movie_title"])
            item_ids.add(movie["item_id"])
            out.write(json.dumps({
                "id": movie["item_id"],
                "title": title,
                "description": describe(title, movie["release_year"], genres),
                "tags": [genre.lower() for genre in genres],
                "images": [],
                "source": f"MovieLens 100K item {movie['item_id']} (via {RECBOLE})",
            }, ensure_ascii=False) + "\n")

    stars: Counter = Counter()
    moments = []
    with open(args.out / "interactions.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["user", "item", "event", "value", "timestamp"])
        for number, rating in enumerate(ratings, 2):
            if rating["item_id"] not in item_ids:
                sys.exit(f"error: ml-100k.inter:{number}: item {rating['item_id']} is not in ml-100k.item")
            try:
                value = float(rating["rating"])
                moment = datetime.fromtimestamp(int(float(rating["timestamp"])), tz=timezone.utc)
            except ValueError as error:
                sys.exit(f"error: ml-100k.inter:{number}: {error}")
            stars[value] += 1
            moments.append(moment)
            writer.writerow([rating["user_id"], rating["item_id"], "rating",
                             f"{value:g}", moment.strftime("%Y-%m-%dT%H:%M:%SZ")])

    users = {r["user_id"] for r in ratings}
    print(f"read {data}")
    print(f"wrote {args.out / 'items.jsonl'}: {len(movies)} items, {len(genre_counts)} genres")
    print(f"wrote {args.out / 'interactions.csv'}: {len(ratings)} ratings by {len(users)} users "
          f"on {len({r['item_id'] for r in ratings})} items")
    print("  ratings: " + ", ".join(f"{k:g}: {v}" for k, v in sorted(stars.items())))
    print(f"  from {min(moments):%Y-%m-%d} to {max(moments):%Y-%m-%d}")


if __name__ == "__main__":
    main()
