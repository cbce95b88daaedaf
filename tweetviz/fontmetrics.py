"""Advance widths of the cloud's font, read from the TrueType file the page itself serves.

The cloud is laid out on the server (deterministic, the same in every process and browser) and drawn
in DejaVu Sans Bold, shipped in ``static/`` (Bitstream Vera licence: free to redistribute, see
``static/DejaVuSans-LICENSE.txt``) and loaded by the page with ``@font-face``. So the widths used
here are the widths the browser draws, not an estimate. Only two tables are needed (``cmap`` for
code point -> glyph, ``hmtx`` for glyph -> advance), so this reads them itself instead of pulling
in a font library.
"""

from __future__ import annotations

import functools
import struct
import unicodedata
from importlib import resources

FONT_FILE = "DejaVuSans-Bold.ttf"
FONT_FAMILY = "Tweetviz Cloud"
#: Advance assumed for a character the font lacks (the browser falls back to another font):
#: an upper bound for Latin/Cyrillic/Greek fallbacks, and 1.0 em plus a margin for wide glyphs.
MISSING_EM = 0.9
MISSING_WIDE_EM = 1.15


class FontMetrics:
    """Advances (in em) by code point, from one TrueType font."""

    def __init__(self, data: bytes) -> None:
        tables = _tables(data)
        self.units = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
        hhea = tables[b"hhea"]
        self.ascent, self.descent = struct.unpack_from(">hh", data, hhea + 4)
        n_metrics = struct.unpack_from(">H", data, hhea + 34)[0]
        hmtx = tables[b"hmtx"]
        self._advances = [struct.unpack_from(">H", data, hmtx + 4 * i)[0] for i in range(n_metrics)]
        self._glyphs = _cmap(data, tables[b"cmap"])

    def advance(self, char: str) -> float:
        """Advance of one character in em (an upper-bound guess when the font lacks it)."""
        glyph = self._glyphs.get(ord(char))
        if glyph is None:
            return MISSING_WIDE_EM if unicodedata.east_asian_width(char) in ("W", "F") else MISSING_EM
        return self._advances[min(glyph, len(self._advances) - 1)] / self.units

    def width(self, text: str) -> float:
        """Width of ``text`` in em: the sum of advances (kerning only ever tightens DejaVu's pairs
        a little, so this is a slight upper bound); combining marks and format characters add nothing."""
        total = 0.0
        for char in text:
            if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
                continue
            total += self.advance(char)
        return total

    @property
    def line_em(self) -> float:
        """Ascent + descent in em: the height of a line box."""
        return (self.ascent - self.descent) / self.units


def _tables(data: bytes) -> dict[bytes, int]:
    count = struct.unpack_from(">H", data, 4)[0]
    out = {}
    for i in range(count):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        out[tag] = offset
    return out


def _cmap(data: bytes, base: int) -> dict[int, int]:
    """Code point -> glyph id from the best Unicode subtable (format 12 if present, else 4)."""
    count = struct.unpack_from(">H", data, base + 2)[0]
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, base + offset)[0]
        if (platform, encoding) in ((3, 10), (0, 4), (3, 1), (0, 3)) and fmt in (4, 12):
            subtables[fmt] = base + offset
    if 12 in subtables:
        return _format12(data, subtables[12])
    if 4 in subtables:
        return _format4(data, subtables[4])
    raise ValueError("the font has no Unicode cmap subtable of format 4 or 12")


def _format12(data: bytes, at: int) -> dict[int, int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    out = {}
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        for code in range(start, end + 1):
            out[code] = glyph + code - start
    return out


def _format4(data: bytes, at: int) -> dict[int, int]:
    segs = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + 2 * segs)
    deltas = struct.unpack_from(f">{segs}h", data, at + 16 + 4 * segs)
    range_at = at + 16 + 6 * segs
    offsets = struct.unpack_from(f">{segs}H", data, range_at)
    out = {}
    for i in range(segs):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if offsets[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                pos = range_at + 2 * i + offsets[i] + 2 * (code - starts[i])
                glyph = struct.unpack_from(">H", data, pos)[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                out[code] = glyph
    return out


@functools.lru_cache(maxsize=1)
def cloud_font() -> FontMetrics:
    """The metrics of the served cloud font (read once per process)."""
    return FontMetrics((resources.files("tweetviz") / "static" / FONT_FILE).read_bytes())
