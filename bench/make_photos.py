#!/usr/bin/env python3
"""Writes benchmark photos into a folder.

  make_photos.py camera DIR N   N camera-sized JPEGs (4000x3000, with EXIF),
                                each with different bytes (so a different
                                content hash) but the same picture: decoding
                                costs what a real 12-megapixel photo costs.
  make_photos.py small DIR N    N small distinct JPEGs (a library to rescan).

Needs Pillow (bench/run.sh installs it into a virtualenv under target/).
"""
import os
import random
import sys

from PIL import Image

def camera(folder: str, n: int) -> None:
    rng = random.Random(7)
    # Smooth gradients plus per-pixel noise: compresses like a real photo
    # (a few MB at quality 92), unlike a flat test card.
    base = Image.linear_gradient("L").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 40)
    rgb = Image.merge("RGB", (base, noise, base.rotate(90, expand=False).resize((4000, 3000))))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 80D"
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = "2023:08:01 12:00:00"
    path = os.path.join(folder, "base.tmp")
    rgb.save(path, "JPEG", quality=92, exif=exif.tobytes())
    data = open(path, "rb").read()
    os.remove(path)
    os.makedirs(os.path.join(folder, "camera"), exist_ok=True)
    for i in range(n):
        # Bytes after the end-of-image marker: ignored by decoders, new hash.
        tail = rng.getrandbits(128).to_bytes(16, "big")
        with open(os.path.join(folder, "camera", f"IMG_{i:04d}.jpg"), "wb") as f:
            f.write(data + tail)
    print(f"{n} camera photos of {len(data) / 1e6:.1f} MB")

def small(folder: str, n: int) -> None:
    for i in range(n):
        sub = os.path.join(folder, "library", f"{i // 500:03d}")
        os.makedirs(sub, exist_ok=True)
        img = Image.new("RGB", (64, 48), ((i * 7) % 256, (i // 256) % 256, (i * 13) % 256))
        img.putpixel((i % 64, (i // 64) % 48), (255 - (i % 256), 0, 0))
        img.save(os.path.join(sub, f"{i:05d}.jpg"), "JPEG", quality=80)
    print(f"{n} small photos")

if __name__ == "__main__":
    kind, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"camera": camera, "small": small}[kind](folder, count)
