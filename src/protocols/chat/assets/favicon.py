#!/usr/bin/env python3
# favicon.py: write favicon.ico, the chat's icon: a blue speech bubble
# with three white dots, 16x16 pixels in 16 colours (318 bytes).  Only
# for changing the icon; the build embeds the committed favicon.ico.
# Usage: python3 favicon.py > favicon.ico
import struct
import sys

# Top row first; '.' is transparent.
PICTURE = [
    "................",
    "...BBBBBBBBBB...",
    "..BBBBBBBBBBBB..",
    ".BBBBBBBBBBBBBB.",
    ".BBBBBBBBBBBBBB.",
    ".BBBBBBBBBBBBBB.",
    ".BBWWBBWWBBWWBB.",
    ".BBWWBBWWBBWWBB.",
    ".BBBBBBBBBBBBBB.",
    ".BBBBBBBBBBBBBB.",
    "..BBBBBBBBBBBB..",
    "...BBBBBBBBBB...",
    "...BBB..........",
    "...BB...........",
    "...B............",
    "................",
]
# Palette index of each letter, and the palette (red, green, blue).
INDEX = {".": 0, "B": 1, "W": 2}
PALETTE = [(0, 0, 0), (0x2A, 0x6F, 0xDB), (0xFF, 0xFF, 0xFF)]
SIZE = 16


def colour_rows():
    """The 4-bit pixels, bottom row first, two pixels a byte."""
    out = b""
    for row in reversed(PICTURE):
        for x in range(0, SIZE, 2):
            out += bytes([INDEX[row[x]] << 4 | INDEX[row[x + 1]]])
    return out


def mask_rows():
    """The transparency mask, bottom row first, rows padded to 4 bytes."""
    out = b""
    for row in reversed(PICTURE):
        bits = 0
        for x in range(SIZE):
            bits = bits << 1 | (row[x] == ".")
        out += struct.pack(">H", bits) + b"\0\0"
    return out


def main():
    palette = b"".join(struct.pack("<BBBB", b, g, r, 0)
                       for r, g, b in PALETTE + [(0, 0, 0)] * 13)
    pixels = colour_rows() + mask_rows()
    header = struct.pack("<IiiHHIIiiII", 40, SIZE, 2 * SIZE, 1, 4, 0,
                         len(pixels), 0, 0, 16, 0)
    image = header + palette + pixels
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 16, 0, 1, 4, len(image),
                        len(directory) + 16)
    sys.stdout.buffer.write(directory + entry + image)


main()
