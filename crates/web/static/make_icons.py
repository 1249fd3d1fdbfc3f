#!/usr/bin/env python3
"""Draws ravenwire's icons: icon.svg, icon-192.png and icon-512.png.

A bird on a wire, in white on the site's accent red. The shapes are kept
inside the central 80% of the square, so the icons also serve as maskable
icons. Uses only the standard library (zlib and struct for the PNGs).

Run from anywhere: python3 crates/web/static/make_icons.py
"""

import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
BACKGROUND = (0x8A, 0x2B, 0x1F)
INK = (0xFF, 0xFF, 0xFF)

# Shapes in a unit square (x right, y down).
CIRCLES = [
    (0.46, 0.52, 0.17),  # body
    (0.62, 0.37, 0.085),  # head
]
# The beak: a triangle pointing right from the head.
BEAK = [(0.69, 0.33), (0.79, 0.385), (0.69, 0.41)]
# The tail: a triangle behind the body.
TAIL = [(0.33, 0.55), (0.18, 0.66), (0.36, 0.64)]
# The wire: a bar across, under the bird.
WIRE = (0.10, 0.685, 0.90, 0.725)


def in_triangle(x, y, tri):
    (ax, ay), (bx, by), (cx, cy) = tri

    def side(px, py, qx, qy):
        return (x - qx) * (py - qy) - (px - qx) * (y - qy)

    d1 = side(ax, ay, bx, by)
    d2 = side(bx, by, cx, cy)
    d3 = side(cx, cy, ax, ay)
    negative = d1 < 0 or d2 < 0 or d3 < 0
    positive = d1 > 0 or d2 > 0 or d3 > 0
    return not (negative and positive)


def inked(x, y):
    for cx, cy, r in CIRCLES:
        if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
            return True
    x0, y0, x1, y1 = WIRE
    if x0 <= x <= x1 and y0 <= y <= y1:
        return True
    return in_triangle(x, y, BEAK) or in_triangle(x, y, TAIL)


def pixels(size, samples=4):
    """RGB rows, each pixel the average of samples × samples points."""
    rows = []
    step = 1.0 / (size * samples)
    for py in range(size):
        row = bytearray()
        for px in range(size):
            hits = 0
            for sy in range(samples):
                y = (py * samples + sy + 0.5) * step
                for sx in range(samples):
                    x = (px * samples + sx + 0.5) * step
                    hits += inked(x, y)
            share = hits / (samples * samples)
            for bg, ink in zip(BACKGROUND, INK):
                row.append(round(bg + (ink - bg) * share))
        rows.append(bytes(row))
    return rows


def png(size):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in pixels(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def svg():
    def n(v):
        return f"{v * 100:g}"

    shapes = [f'<circle cx="{n(cx)}" cy="{n(cy)}" r="{n(r)}"/>' for cx, cy, r in CIRCLES]
    for tri in (BEAK, TAIL):
        points = " ".join(f"{n(x)},{n(y)}" for x, y in tri)
        shapes.append(f'<polygon points="{points}"/>')
    x0, y0, x1, y1 = WIRE
    shapes.append(f'<rect x="{n(x0)}" y="{n(y0)}" width="{n(x1 - x0)}" height="{n(y1 - y0)}"/>')
    background = "#%02x%02x%02x" % BACKGROUND
    ink = "#%02x%02x%02x" % INK
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">\n'
        "<title>ravenwire</title>\n"
        f'<rect width="100" height="100" fill="{background}"/>\n'
        f'<g fill="{ink}">\n' + "\n".join(shapes) + "\n</g>\n</svg>\n"
    )


def main():
    for size in (192, 512):
        with open(os.path.join(HERE, f"icon-{size}.png"), "wb") as out:
            out.write(png(size))
    with open(os.path.join(HERE, "icon.svg"), "w", encoding="utf-8") as out:
        out.write(svg())


if __name__ == "__main__":
    main()
