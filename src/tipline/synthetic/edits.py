"""Harder re-posting edits of generated images, for the robustness benchmark and tests: small
tilts (corners cropped or filled), caption bars and overlays covering up to a fifth of the
picture, one-sided crops up to 15%, and combinations with resizing and recompression.

Every edit is deterministic for a seed; its parameters (angle sign, side, colours, text) are
drawn from the seed so a benchmark sees a spread of them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

HARD_KINDS: tuple[str, ...] = (
    "tilt2_crop",
    "tilt5_crop",
    "tilt5_fill",
    "caption_bar_over",
    "caption_bar_added",
    "sticker",
    "text_overlay",
    "crop15_side",
    "crop10_side_resized",
    "tilt3_caption_recompressed",
    "sticker_crop8_resized",
)

LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ   "))


def _rng(seed: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, 7_000 + salt])


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def _words(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(LETTERS, n))


def tilt(img: Image.Image, degrees: float, fill: bool, colour: tuple[int, int, int] = (0, 0, 0)
         ) -> Image.Image:
    """Rotate by `degrees`; `fill` keeps the whole picture on a larger canvas with coloured
    corners, otherwise the largest centred box free of corners is kept (what apps do)."""
    img = img.convert("RGB")
    if fill:
        return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True,
                          fillcolor=colour)
    w, h = img.size
    turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False)
    a = math.radians(abs(degrees))
    # The axis-aligned box of the original's aspect inside the rotated frame.
    scale = 1 / (math.cos(a) + max(w / h, h / w) * math.sin(a))
    cw, ch = int(w * scale), int(h * scale)
    left, top = (w - cw) // 2, (h - ch) // 2
    return turned.crop((left, top, left + cw, top + ch))


def caption_bar(img: Image.Image, seed: int, fraction: float, over: bool) -> Image.Image:
    """A solid bar with text at the top or bottom: laid over the picture, or added to it."""
    rng = _rng(seed, 1)
    img = img.convert("RGB")
    w, h = img.size
    bar = int(h * fraction)
    colour = (255, 255, 255) if rng.random() < 0.5 else (0, 0, 0)
    ink = (0, 0, 0) if colour == (255, 255, 255) else (255, 255, 255)
    at_top = rng.random() < 0.5
    if over:
        out = img.copy()
        y0 = 0 if at_top else h - bar
    else:
        out = Image.new("RGB", (w, h + bar), colour)
        out.paste(img, (0, bar if at_top else 0))
        y0 = 0 if at_top else h
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, y0, w, y0 + bar), fill=colour)
    draw.text((w // 25, y0 + bar // 5), _words(rng, 22), fill=ink, font=_font(max(8, bar // 2)))
    return out


def sticker(img: Image.Image, seed: int, fraction: float) -> Image.Image:
    """An opaque sticker (a rounded label with an emoji-like disc and text) covering about
    `fraction` of the picture, somewhere away from the centre."""
    rng = _rng(seed, 2)
    out = img.convert("RGB").copy()
    w, h = out.size
    sw = int(math.sqrt(fraction * w * h * 1.6))
    sh = int(fraction * w * h / sw)
    x = int(rng.choice([w // 40, w - sw - w // 40]))
    y = int(rng.choice([h // 40, h - sh - h // 40]))
    draw = ImageDraw.Draw(out)
    fill = tuple(int(v) for v in rng.integers(0, 256, 3))
    draw.rounded_rectangle((x, y, x + sw, y + sh), radius=sh // 5, fill=fill)  # type: ignore[arg-type]
    draw.ellipse((x + sh // 8, y + sh // 8, x + sh - sh // 8, y + sh - sh // 8),
                 fill=(255, 210, 0))
    draw.text((x + sh, y + sh // 3), _words(rng, 6), fill=(255, 255, 255),
              font=_font(max(8, sh // 3)))
    return out


def text_overlay(img: Image.Image, seed: int) -> Image.Image:
    """Two lines of large outlined text across the picture (about a fifth of its height)."""
    rng = _rng(seed, 3)
    out = img.convert("RGB").copy()
    w, h = out.size
    draw = ImageDraw.Draw(out)
    size = max(8, h // 11)
    top = int(h * rng.uniform(0.05, 0.7))
    for line in range(2):
        draw.text((w // 20, top + line * size), _words(rng, 16), fill=(255, 255, 255),
                  font=_font(size), stroke_width=max(1, h // 120), stroke_fill=(0, 0, 0))
    return out


def crop_side(img: Image.Image, seed: int, fraction: float) -> Image.Image:
    side = int(_rng(seed, 4).integers(0, 4))
    w, h = img.size
    dx, dy = int(w * fraction), int(h * fraction)
    box = [(dx, 0, w, h), (0, dy, w, h), (0, 0, w - dx, h), (0, 0, w, h - dy)][side]
    return img.crop(box)


def recompress(img: Image.Image, scale: float, quality: int) -> Image.Image:
    w, h = img.size
    small = img.convert("RGB").resize((max(1, int(w * scale)), max(1, int(h * scale))),
                                      Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def hard_variant_images(img: Image.Image, seed: int = 0) -> dict[str, Image.Image]:
    """The harder edits of `img`, keyed by :data:`HARD_KINDS`. Amounts are drawn per seed
    from a range (a tilt of "5" is 3.5-5 degrees either way, a "15%" crop 11-15%), so no
    copy lands exactly on a variant a bank stores."""
    rng = _rng(seed, 5)
    sign = 1.0 if rng.random() < 0.5 else -1.0

    def amount(low: float, high: float) -> float:
        return float(rng.uniform(low, high))

    t2, t5, t5f, t3 = (sign * amount(1, 2.5), sign * amount(3.5, 5), sign * amount(3, 5),
                       sign * amount(2, 3.5))
    bar, over_bar, patch = amount(0.12, 0.2), amount(0.12, 0.2), amount(0.12, 0.2)
    c15, c10, c8 = amount(0.11, 0.15), amount(0.07, 0.1), amount(0.05, 0.08)
    ops: dict[str, Callable[[], Image.Image]] = {
        "tilt2_crop": lambda: tilt(img, t2, fill=False),
        "tilt5_crop": lambda: tilt(img, t5, fill=False),
        "tilt5_fill": lambda: tilt(img, t5f, fill=True),
        "caption_bar_over": lambda: caption_bar(img, seed, over_bar, over=True),
        "caption_bar_added": lambda: caption_bar(img, seed, bar, over=False),
        "sticker": lambda: sticker(img, seed, patch),
        "text_overlay": lambda: text_overlay(img, seed),
        "crop15_side": lambda: crop_side(img, seed, c15),
        "crop10_side_resized": lambda: recompress(crop_side(img, seed, c10), 0.6, 70),
        "tilt3_caption_recompressed": lambda: recompress(
            caption_bar(tilt(img, t3, fill=False), seed, 0.12, over=True), 0.75, 60),
        "sticker_crop8_resized": lambda: recompress(
            crop_side(sticker(img, seed, 0.12), seed, c8), 0.5, 75),
    }
    return {name: ops[name]() for name in HARD_KINDS}


def hard_variants(img: Image.Image, seed: int = 0) -> dict[str, bytes]:
    """:func:`hard_variant_images` as quality-85 JPEG files (what platforms re-encode to)."""
    out = {}
    for name, edited in hard_variant_images(img, seed).items():
        buf = io.BytesIO()
        edited.convert("RGB").save(buf, "JPEG", quality=85)
        out[name] = buf.getvalue()
    return out
