#!/usr/bin/env python3
"""Seeds a Tagline SQLite database (already migrated) with N synthetic photos.

Rows only: the originals and renditions of these photos do not exist (the
thumbnail benchmark uses a photo that was really imported). Descriptions are drawn from a
vocabulary of words and every photo carries one to three tags from a set of
tags, so that search and tag filters match about a thousand photos each.

usage: bench/seed.py DB_PATH N [--tags K] [--ids-out FILE] [--words-out FILE] [--tags-out FILE]
"""
import argparse
import random
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone

WORDS = [
    "beach", "mountain", "sunset", "forest", "river", "city", "night", "snow",
    "garden", "family", "birthday", "wedding", "dog", "cat", "horse", "boat",
    "train", "bridge", "castle", "market", "festival", "lake", "desert", "rain",
    "harbour", "island", "village", "school", "picnic", "concert", "museum",
    "cathedral", "lighthouse", "meadow", "valley", "glacier", "canyon", "waterfall",
    "kitchen", "breakfast", "dinner", "party", "grandma", "grandpa", "cousins",
    "football", "tennis", "cycling", "hiking", "skiing", "camping", "fishing",
    "sailing", "diving", "autumn", "spring", "summer", "winter", "morning",
    "evening", "portrait", "landscape", "street", "architecture", "flowers",
    "sunrise", "clouds", "storm", "rainbow", "stars", "moon", "fireworks",
    "christmas", "easter", "holiday", "vacation", "roadtrip", "airport", "hotel",
    "restaurant", "cafe", "library", "park", "playground", "zoo", "aquarium",
    "farm", "vineyard", "orchard", "bakery", "workshop", "studio", "office",
    "graduation", "anniversary", "reunion", "baby", "toddler", "puppy", "kitten",
]
FILLER = ["the", "at", "with", "and", "in", "on", "a", "our", "by", "near"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("--tags", type=int, default=100, help="how many distinct tags")
    ap.add_argument("--ids-out")
    ap.add_argument("--words-out")
    ap.add_argument("--tags-out")
    args = ap.parse_args()
    rng = random.Random(42)

    db = sqlite3.connect(args.db)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    start = datetime(2004, 1, 1, tzinfo=timezone.utc)
    span = (now - start).total_seconds()

    tag_names = [f"{WORDS[i % len(WORDS)].capitalize()} {2000 + i // len(WORDS)}" for i in range(args.tags)]
    tag_ids = [uuid.UUID(int=rng.getrandbits(128)).bytes for _ in tag_names]
    db.executemany(
        "INSERT INTO tags (id, name, name_key, created_at) VALUES (?, ?, ?, ?)",
        [(tid, name, name.lower(), stamp) for tid, name in zip(tag_ids, tag_names)],
    )

    photos, photo_tags, terms, ids, vocabulary = [], [], [], [], set()
    for i in range(args.n):
        pid = uuid.UUID(int=rng.getrandbits(128)).bytes
        ids.append(str(uuid.UUID(bytes=pid)))
        taken = start + timedelta(seconds=rng.random() * span)
        sort_at = taken.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        words = rng.sample(WORDS, 3) + rng.sample(FILLER, 2)
        rng.shuffle(words)
        description = " ".join(words).capitalize()
        chosen = rng.sample(range(args.tags), rng.randint(1, 3))
        content_hash = f"{rng.getrandbits(256):064x}"
        photos.append((
            pid, f"bench/{i // 1000:03d}/{i:06d}.jpg", content_hash, 2_500_000, 1_700_000_000,
            4000, 3000, "image/jpeg", taken.strftime("%Y-%m-%d %H:%M:%S"), "Canon", "Canon EOS 80D",
            1, description, stamp, sort_at, stamp, None, 0,
        ))
        for pos, t in enumerate(chosen):
            photo_tags.append((pid, tag_ids[t], pos, 0, sort_at))
        words_of_photo = {w.lower() for w in words}
        for t in chosen:
            words_of_photo.update(w.lower() for w in tag_names[t].split())
        terms.extend((w, pid, 0, sort_at) for w in words_of_photo)
        vocabulary.update(words_of_photo)
    db.executemany(
        "INSERT INTO photos (id, object_key, content_hash, byte_size, file_mtime, width, height,"
        " media_type, taken_at, camera_make, camera_model, orientation, description, last_modified,"
        " sort_at, created_at, uploaded_by, missing) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        photos,
    )
    db.executemany(
        "INSERT INTO photo_tags (photo_id, tag_id, position, missing, sort_at) VALUES (?, ?, ?, ?, ?)",
        photo_tags,
    )
    db.executemany(
        "INSERT OR IGNORE INTO photo_terms (term, photo_id, missing, sort_at) VALUES (?, ?, ?, ?)", terms
    )
    db.executemany("INSERT OR IGNORE INTO search_terms (term) VALUES (?)", [(w,) for w in vocabulary])
    db.commit()
    db.close()

    if args.ids_out:
        with open(args.ids_out, "w") as f:
            f.write("\n".join(ids[:2000]) + "\n")
    if args.words_out:
        with open(args.words_out, "w") as f:
            f.write("\n".join(WORDS) + "\n")
    if args.tags_out:
        with open(args.tags_out, "w") as f:
            f.write("\n".join(tag_names) + "\n")


if __name__ == "__main__":
    main()
