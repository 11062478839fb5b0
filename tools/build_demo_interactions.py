#!/usr/bin/env python3
"""Write SYNTHETIC user interactions and personas for Vitrine's demo catalog.

Nothing here was observed from real people: every row is drawn from a seeded random model of a
few personas (a gardener, a traveller, ...) who each like two or three catalog categories. The
demo uses them to show that recommendations follow taste; user ids say so ("persona-gardener-01").

Run once by a developer (never by CI), from the repository root, after build_demo_catalog.py:
    python3 tools/build_demo_interactions.py
Reads  assets/demo/items.jsonl
Writes assets/demo/interactions.csv  (user,item,event,value,timestamp; value is 1 for every event)
       assets/demo/personas.json
Standard library only; the same seed gives the same files.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

PERSONAS = [
    {"id": "gardener", "name": "The gardener", "liked_categories": ["plants", "animals"],
     "onboarding": "I spend my weekends in the garden among flowers, trees and the birds and insects they bring."},
    {"id": "traveller", "name": "The traveller", "liked_categories": ["transportation", "geography", "buildings"],
     "onboarding": "I love planes, boats and old cars, maps of faraway regions and the landmarks I visit."},
    {"id": "techie", "name": "The techie", "liked_categories": ["computer", "electronics", "science"],
     "onboarding": "I build computers, tinker with circuits and read about planets and chemistry."},
    {"id": "party-host", "name": "The party host", "liked_categories": ["food", "recreation", "decorations"],
     "onboarding": "I cook for friends, throw holiday parties and decorate the house for every festive season."},
    {"id": "student", "name": "The student", "liked_categories": ["education", "office", "science"],
     "onboarding": "I study with stacks of books, pens and paper, and science is my favourite subject."},
    {"id": "handyman", "name": "The handyman", "liked_categories": ["tools", "buildings", "containers"],
     "onboarding": "I repair and build things around the house with hammers, saws, paint rollers and boxes of parts."},
    {"id": "collector", "name": "The collector", "liked_categories": ["signs_and_symbols", "people"],
     "onboarding": "I collect coins, flags, clocks, gems and jewellery, and hats from around the world."},
]
USERS_PER_PERSONA = 15
DAYS = 60
START = datetime(2026, 9, 1, tzinfo=timezone.utc)
# Behaviour model. Proportions aimed at: about 70 % views, 20 % clicks, a few % likes and
# purchases, and a handful of dislikes, all of items outside the user's liked categories.
P_VIEW_LIKED = 0.8          # share of a user's views that fall in a liked category
P_CLICK = {True: 0.40, False: 0.08}   # per view, liked category or not
P_LIKE_AFTER_CLICK = 0.35
P_PURCHASE_AFTER_CLICK = 0.15
P_DISLIKE_OTHER = 0.12      # per view of an item outside the liked categories
# Sessions start mostly in the evening and rarely at night (relative weight per UTC hour).
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 2, 3, 3, 3, 3, 4, 4, 3, 3, 3, 4, 6, 7, 7, 6, 4, 2]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_items(path: Path) -> dict[str, list[str]]:
    """Item ids grouped by category, in file order."""
    by_category: dict[str, list[str]] = defaultdict(list)
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
                by_category[item["category"]].append(item["id"])
            except (json.JSONDecodeError, KeyError) as error:
                sys.exit(f"error: {path}:{number}: not an item with id and category ({error})")
    return by_category


def simulate(by_category: dict[str, list[str]], rng: random.Random) -> list[tuple[str, str, str, datetime]]:
    # A shared, Zipf-like popularity inside each category, so some items are hits for everyone.
    popularity = {}
    for category, ids in by_category.items():
        order = ids[:]
        rng.shuffle(order)
        popularity[category] = (order, [1.0 / (rank + 1) ** 0.8 for rank in range(len(order))])
    categories = sorted(by_category)
    events = []
    for persona in PERSONAS:
        liked = persona["liked_categories"]
        others = [c for c in categories if c not in liked]
        for number in range(1, USERS_PER_PERSONA + 1):
            user = f"persona-{persona['id']}-{number:02d}"
            # Each user leans more on one of the persona's categories; a category with more items
            # draws more views (square root, so a 7-item category is not swamped by a 30-item one).
            leaning = [rng.uniform(0.5, 1.5) * len(by_category[c]) ** 0.5 for c in liked]
            first_day = rng.uniform(0, DAYS * 0.5)
            acted: set[tuple[str, str]] = set()  # like/purchase/dislike once per item
            for _ in range(rng.randint(4, 12)):
                day = int(rng.uniform(first_day, DAYS))
                hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
                moment = START + timedelta(days=day, hours=hour, seconds=rng.randint(0, 3599))
                for _ in range(rng.randint(3, 10)):
                    in_liked = rng.random() < P_VIEW_LIKED
                    category = rng.choices(liked, weights=leaning)[0] if in_liked else rng.choice(others)
                    order, weights = popularity[category]
                    item = rng.choices(order, weights=weights)[0]
                    moment += timedelta(seconds=rng.randint(8, 120))
                    events.append((user, item, "view", moment))
                    if rng.random() < P_CLICK[in_liked]:
                        clicked = moment + timedelta(seconds=rng.randint(2, 20))
                        events.append((user, item, "click", clicked))
                        if in_liked and rng.random() < P_LIKE_AFTER_CLICK and (item, "like") not in acted:
                            acted.add((item, "like"))
                            events.append((user, item, "like", clicked + timedelta(seconds=rng.randint(5, 60))))
                        if in_liked and rng.random() < P_PURCHASE_AFTER_CLICK and (item, "purchase") not in acted:
                            acted.add((item, "purchase"))
                            events.append((user, item, "purchase", clicked + timedelta(seconds=rng.randint(30, 600))))
                    if not in_liked and rng.random() < P_DISLIKE_OTHER and (item, "dislike") not in acted:
                        acted.add((item, "dislike"))
                        events.append((user, item, "dislike", moment + timedelta(seconds=rng.randint(2, 15))))
    end = START + timedelta(days=DAYS)
    events = [e for e in events if e[3] < end]  # a late session may spill past the window
    events.sort(key=lambda e: (e[3], e[0], e[1], e[2]))
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--demo", type=Path, default=Path("assets/demo"))
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()

    by_category = load_items(args.demo / "items.jsonl")
    missing = sorted({c for p in PERSONAS for c in p["liked_categories"]} - set(by_category))
    if missing:
        sys.exit(f"error: {args.demo / 'items.jsonl'} has no items in categories {missing}")
    events = simulate(by_category, random.Random(args.seed))

    with open(args.demo / "interactions.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["user", "item", "event", "value", "timestamp"])
        for user, item, event, moment in events:
            writer.writerow([user, item, event, 1, iso(moment)])

    # Starter items: what each persona's users liked or bought most, for the demo's onboarding.
    positive: dict[str, Counter] = defaultdict(Counter)
    for user, item, event, _ in events:
        if event in ("like", "purchase"):
            positive[user.rsplit("-", 1)[0].removeprefix("persona-")][item] += 1
    personas = []
    for persona in PERSONAS:
        users = [f"persona-{persona['id']}-{n:02d}" for n in range(1, USERS_PER_PERSONA + 1)]
        starters = [item for item, _ in sorted(positive[persona["id"]].items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
        personas.append({**persona, "users": users, "starter_items": starters})
    document = {
        "synthetic": True,
        "note": "Personas and their interactions are invented by tools/build_demo_interactions.py "
                f"(seed {args.seed}); they describe no real people.",
        "personas": personas,
    }
    (args.demo / "personas.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    counts = Counter(e[2] for e in events)
    total = len(events)
    print(f"{total} events, {len({e[0] for e in events})} users, {len({e[1] for e in events})} items")
    for event in ("view", "click", "like", "purchase", "dislike"):
        print(f"  {event:9} {counts[event]:6}  ({100 * counts[event] / total:.1f} %)")
    print(f"  from {iso(events[0][3])} to {iso(events[-1][3])}")


if __name__ == "__main__":
    main()
