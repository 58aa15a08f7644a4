"""Harder re-posted copies: small tilts, caption bars, stickers and text overlays, hard crops.

PDQ is a global hash: a 5 degree tilt or a sticker over a fifth of the picture moves it by
50-110 bits, far past 31. Measured choices (benchmarks/robustness.py, docs/benchmarks.md):

* Query side, for every incoming image, only when detected (one extra hash each):
  - a tilt with filled corners: the fill colour's corner triangles give the angle, and the
    picture is turned back and its original box cut out, which is the bank image again;
  - a caption bar (a band at the top or bottom, mostly one colour, with text): cut off.
* Query and bank side: sub-region hashes, the top, bottom, left and right halves and the top
  and bottom thirds: an overlay covering up to a fifth of the picture leaves at least one of
  them clean. Only region-to-region pairs are meaningful, so each carries a `region:` label.
* Bank side (entries added from media): tilts of +-2, +-3.5 and +-5 degrees with the corners
  cropped (what apps do), and one-sided crops of 15, 18 and 21%.

Entries imported as bare hashes have none of the bank-side variants; for them only the
query-side measures (tilts with filled corners, added caption bars) help.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

DETECT_WIDTH = 160  # detection runs on a small luma copy: cheap, and JPEG noise averages out
FILL_TOLERANCE = 20  # luma levels between a fill pixel and the corners' colour
FILL_MIN_SCORE = 0.93  # share of the expected corner triangles that must be the fill colour
REFINE_WIDTH = 480
TILT_ANGLES = tuple(a / 4 for a in range(3, 29))  # 0.75 ... 7 degrees, both ways
BAR_TOLERANCE = 16
BAR_ROW_SHARE_MIN = 0.05  # a row of text inside a bar still shows this much of its colour
BAR_MIN, BAR_MAX = 0.04, 0.3  # a bar is 4-30% of the height

# (label, left, top, right, bottom) fractions removed.
REGIONS: tuple[tuple[str, float, float, float, float], ...] = (
    ("region:top_half", 0.0, 0.0, 0.0, 0.5),
    ("region:bottom_half", 0.0, 0.5, 0.0, 0.0),
    ("region:left_half", 0.0, 0.0, 0.5, 0.0),
    ("region:right_half", 0.5, 0.0, 0.0, 0.0),
    ("region:top_third", 0.0, 0.0, 0.0, 2 / 3),
    ("region:bottom_third", 0.0, 2 / 3, 0.0, 0.0),
)
BANK_TILTS = (-5.0, -3.5, -2.0, 2.0, 3.5, 5.0)
HARD_CROPS: tuple[tuple[str, float, float, float, float], ...] = (
    *((f"cut_left{p}", p / 100, 0.0, 0.0, 0.0) for p in (15, 18, 21)),
    *((f"cut_top{p}", 0.0, p / 100, 0.0, 0.0) for p in (15, 18, 21)),
    *((f"cut_right{p}", 0.0, 0.0, p / 100, 0.0) for p in (15, 18, 21)),
    *((f"cut_bottom{p}", 0.0, 0.0, 0.0, p / 100) for p in (15, 18, 21)),
)


def crop_fractions(img: Image.Image, left: float, top: float, right: float, bottom: float
                   ) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * left), round(h * top), w - round(w * right),
                     h - round(h * bottom)))


def _small_luma(img: Image.Image, width: int = DETECT_WIDTH) -> np.ndarray:
    w, h = img.size
    size = (width, max(8, round(width * h / w)))
    return np.asarray(img.convert("L").resize(size, Image.Resampling.BILINEAR), dtype=np.int16)


def _inner_size(big_w: float, big_h: float, angle: float) -> tuple[float, float] | None:
    """Size of a picture that, turned by `angle` on an expanded canvas, gives big_w x big_h."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    det = c * c - s * s
    w, h = (big_w * c - big_h * s) / det, (big_h * c - big_w * s) / det
    return (w, h) if w > 8 and h > 8 else None


def fill_tilt_angle(img: Image.Image) -> float | None:
    """The angle (PIL's sense, counter-clockwise positive) of a picture turned on a canvas
    whose corners were filled with one colour, or None when it does not look like one.
    Found coarsely on a small copy, then refined on a larger one (a quarter degree off
    costs ~10 bits of PDQ)."""
    coarse = _largest_filled_angle(_small_luma(img), TILT_ANGLES, FILL_MIN_SCORE)
    if coarse is None:
        return None
    luma = _small_luma(img, REFINE_WIDTH)
    fill, x, y = _fill_grid(luma)
    best, best_score = coarse, -1.0
    for step in range(-10, 4):
        angle = math.copysign(abs(coarse) + step / 8, coarse)
        size = _inner_size(luma.shape[1], luma.shape[0], abs(angle))
        if abs(angle) <= 0.5 or size is None:
            continue
        score = _edge_score(fill, x, y, size, angle)
        if score > best_score:
            best, best_score = angle, score
    return best


def _fill_grid(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = luma.shape
    corners = np.array([luma[0, 0], luma[0, -1], luma[-1, 0], luma[-1, -1]])
    fill = np.abs(luma - np.median(corners)) <= FILL_TOLERANCE
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    return fill, x - (cols - 1) / 2, y - (rows - 1) / 2


def _edge_score(fill: np.ndarray, x: np.ndarray, y: np.ndarray, size: tuple[float, float],
                angle: float) -> float:
    """How well a turn by `angle` explains the edge: fill just outside the turned picture's
    edge, content just inside it."""
    t = math.radians(angle)
    du = np.abs(x * math.cos(t) - y * math.sin(t)) - size[0] / 2
    dv = np.abs(x * math.sin(t) + y * math.cos(t)) - size[1] / 2
    edge = np.maximum(du, dv)
    outside, inside = (edge > 0.5) & (edge < 4), (edge < -0.5) & (edge > -4)
    if not outside.any() or not inside.any():
        return -1.0
    return float(fill[outside].mean() - fill[inside].mean())


def _largest_filled_angle(luma: np.ndarray, magnitudes: tuple[float, ...], threshold: float
                          ) -> float | None:
    rows, cols = luma.shape
    corners = np.array([luma[0, 0], luma[0, -1], luma[-1, 0], luma[-1, -1]])
    if np.ptp(corners) > FILL_TOLERANCE:
        return None
    fill, x, y = _fill_grid(luma)
    best = None  # the largest angle whose corner triangles are all fill: smaller angles'
    for magnitude in magnitudes:  # triangles lie inside the true ones and pass as well
        size = _inner_size(cols, rows, magnitude)
        if size is None:
            continue
        scores = {angle: _fill_score(fill, x, y, size, angle)
                  for angle in (magnitude, -magnitude)}
        angle = max(scores, key=lambda a: scores[a])
        if scores[angle] >= threshold:
            best = angle
    return best


def _fill_score(fill: np.ndarray, x: np.ndarray, y: np.ndarray, size: tuple[float, float],
                angle: float) -> float:
    """Share of the corner triangles a turn by `angle` leaves that are fill-coloured (0 when
    the triangles are too small to judge or the inside is mostly fill too)."""
    t = math.radians(angle)
    u = x * math.cos(t) - y * math.sin(t)
    v = x * math.sin(t) + y * math.cos(t)
    outside = (np.abs(u) > size[0] / 2 + 1) | (np.abs(v) > size[1] / 2 + 1)
    inside = (np.abs(u) < size[0] / 2 - 2) & (np.abs(v) < size[1] / 2 - 2)
    if outside.sum() < 0.01 * fill.size or fill[inside].mean() > 0.6:
        return 0.0
    return float(fill[outside].mean())


def untilt(img: Image.Image, angle: float) -> Image.Image:
    """The picture inside a tilted, corner-filled canvas, turned back upright."""
    w, h = img.size
    size = _inner_size(w, h, abs(angle))
    if size is None:
        return img
    upright = img.convert("RGB").rotate(-angle, resample=Image.Resampling.BICUBIC)
    iw, ih = size[0] * 0.985, size[1] * 0.985  # a thin inset: no fill-coloured edge
    left, top = (w - iw) / 2, (h - ih) / 2
    return upright.crop((round(left), round(top), round(left + iw), round(top + ih)))


def tilt_cropped(img: Image.Image, angle: float) -> Image.Image:
    """`img` turned by `angle` with its corners cropped off: the largest centred box of the
    same aspect that holds no corner (what photo apps do when straightening)."""
    w, h = img.size
    turned = img.convert("RGB").rotate(angle, resample=Image.Resampling.BICUBIC)
    a = math.radians(abs(angle))
    scale = 1 / (math.cos(a) + max(w / h, h / w) * math.sin(a))
    cw, ch = int(w * scale), int(h * scale)
    left, top = (w - cw) // 2, (h - ch) // 2
    return turned.crop((left, top, left + cw, top + ch))


def _bar_rows(luma: np.ndarray) -> int:
    """How many leading rows form a caption bar: it starts and ends with rows nearly all of
    one colour, and the text rows between keep a good share of that colour."""
    ref = np.median(luma[0])
    share = (np.abs(luma - ref) <= BAR_TOLERANCE).mean(axis=1)
    limit = int(len(share) * BAR_MAX)
    if share[0] < 0.9:
        return 0
    plain = np.nonzero(share[:limit] >= 0.9)[0]
    end = int(plain[-1]) + 1
    inside = share[:end]
    if inside.min() < BAR_ROW_SHARE_MIN or share[end:end + 3].max(initial=0) >= 0.9:
        return 0
    return end if inside.min() < 0.9 else 0  # a bar without text is a border (robust.py)


def caption_bar_cuts(img: Image.Image) -> list[tuple[str, Image.Image]]:
    """The picture without a caption bar at its top or bottom, for each one found."""
    luma = _small_luma(img)
    rows = luma.shape[0]
    w, h = img.size
    out = []
    for label, lines in (("bar_top", luma), ("bar_bottom", luma[::-1])):
        run = _bar_rows(lines)
        if BAR_MIN <= run / rows <= BAR_MAX:
            cut = round(h * (run / rows + 0.01))
            box = (0, cut, w, h) if label == "bar_top" else (0, 0, w, h - cut)
            out.append((label, img.crop(box)))
    return out


def query_images(img: Image.Image) -> list[tuple[str, Image.Image]]:
    """Extra images to hash for an incoming picture (labels are the query labels)."""
    out: list[tuple[str, Image.Image]] = []
    angle = fill_tilt_angle(img)
    if angle is not None:
        out.append(("untilted", untilt(img, angle)))
    out += caption_bar_cuts(img)
    out += _cuts(img, REGIONS)
    return out


def _cuts(img: Image.Image, table: tuple[tuple[str, float, float, float, float], ...]
          ) -> list[tuple[str, Image.Image]]:
    return [(label, crop_fractions(img, left, top, right, bottom))
            for label, left, top, right, bottom in table]


def bank_images(img: Image.Image) -> list[tuple[str, Image.Image]]:
    """Extra images to hash for a bank entry added from media."""
    out = [(f"tilt{a:+g}", tilt_cropped(img, a)) for a in BANK_TILTS]
    return out + _cuts(img, HARD_CROPS) + _cuts(img, REGIONS)
