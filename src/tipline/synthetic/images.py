"""Deterministic, procedurally generated *benign* test images.

Tipline must never hold real abuse material, not even in tests or benchmarks. Everything here
is built from gradients, smooth random fields, shapes, text-like strokes and noise, seeded so
that the same seed always gives the same pixels and different seeds give PDQ-distant images.

Typical use::

    from tipline.synthetic import generate, to_jpeg, variants
    img = generate(seed=7, size=(1024, 768))
    entry = to_jpeg(img)
    copies = variants(img)          # {"rot90": b"...", "crop_5pct": b"...", ...}
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

KINDS: tuple[str, ...] = ("photo", "gradient", "shapes", "text", "noise", "mixed")

# Names of the copies :func:`variants` produces, in a stable order (benchmarks print them).
VARIANT_KINDS: tuple[str, ...] = (
    "resized_50",
    "jpeg_q30",
    "border",
    "letterbox",
    "crop_3pct",
    "crop_5pct",
    "crop_8pct_one_side",
    "crop_15pct_one_side",
    "caption",
    "watermark",
    "rot90",
    "rot180",
    "rot270",
    "mirror",
)


def _rng(seed: int, salt: int = 0) -> np.random.Generator:
    # Salting lets sub-generators (variants, captions) be independent of the image content.
    return np.random.default_rng([seed, salt])


def _smooth_field(rng: np.random.Generator, w: int, h: int, cells: int) -> np.ndarray:
    """Low-frequency random field in [0, 1]: a tiny random grid upscaled bicubically.

    This is what makes images "photo-like" for PDQ: PDQ keeps only low DCT frequencies, so
    random low-frequency structure gives independent hashes for independent seeds.
    """
    gw = max(2, cells)
    gh = max(2, round(cells * h / w))
    grid = (rng.random((gh, gw)) * 255).astype(np.uint8)
    up = Image.fromarray(grid, "L").resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(up, dtype=np.float32) / 255.0


def _gradient(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1.0) / 2.0
    c0, c1 = rng.random(3), rng.random(3)
    out: np.ndarray = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    return out * 255


def _photo(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    # Octaves with amplitude ~ 1/frequency: natural photos have roughly this 1/f spectrum, so
    # PDQ (which keeps low frequencies) sees photo-like structure. A shared luminance field
    # plus weaker per-channel fields gives correlated colours, like real scenes.
    def octaves() -> np.ndarray:
        acc = np.zeros((h, w), np.float32)
        for octave in range(6):
            acc += _smooth_field(rng, w, h, 2 << octave) / (2**octave)
        # Stretch to the full range: real photos use most of it, and PDQ's quality score
        # (gradient energy) is low on washed-out images.
        span = max(float(acc.max() - acc.min()), 1e-6)
        out: np.ndarray = (acc - acc.min()) / span
        return out

    lum = octaves()
    tint = rng.random(3) * 0.6 + 0.2
    chans = [0.8 * lum + 0.2 * octaves() for _ in range(3)]
    rgb = np.stack(chans, axis=2) * tint[None, None, :] / tint.max()
    grain = rng.normal(0, 0.015, size=(h, w, 1)).astype(np.float32)
    photo: np.ndarray = np.clip(rgb + grain, 0, 1) * 255
    return photo


def _draw_shapes(rng: np.random.Generator, img: Image.Image, count: int) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(count):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x0, y0 = int(rng.integers(-w // 8, w)), int(rng.integers(-h // 8, h))
        sw, sh = int(rng.integers(w // 10, w // 2)), int(rng.integers(h // 10, h // 2))
        box = (x0, y0, x0 + sw, y0 + sh)
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse(box, fill=colour)
        elif kind == 1:
            draw.rectangle(box, fill=colour)
        else:
            pts = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(3)]
            draw.polygon(pts, fill=colour)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError, TypeError):  # Pillow built without FreeType
        return ImageFont.load_default()


def _draw_text(rng: np.random.Generator, img: Image.Image, lines: int) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz    "))
    for _ in range(lines):
        word = "".join(rng.choice(letters, int(rng.integers(8, 30))))
        size = int(rng.integers(max(8, h // 30), max(9, h // 8)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.text(
            (int(rng.integers(0, w)), int(rng.integers(0, h))), word, fill=colour, font=_font(size)
        )
    for _ in range(lines * 2):  # pen-like strokes
        pts = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(4)]
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.line(pts, fill=colour, width=int(rng.integers(1, max(2, w // 60))))


def generate(seed: int, size: tuple[int, int] = (512, 384), kind: str = "photo") -> Image.Image:
    """Return a deterministic benign RGB image.

    Args:
        seed: any int; equal seeds give identical pixels.
        size: (width, height).
        kind: one of :data:`KINDS`. ``"photo"`` (default) is smooth, natural-looking content
            with a few soft shapes; ``"mixed"`` picks a kind from the seed.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    rng = _rng(seed)
    if kind == "mixed":
        kind = KINDS[int(rng.integers(0, len(KINDS) - 1))]
    w, h = size
    if kind == "noise":
        # Blurred noise, else PDQ sees pure white noise as low quality (no structure).
        arr = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        return Image.fromarray(arr, "RGB").filter(ImageFilter.GaussianBlur(max(1, w // 200)))
    base = _photo(rng, w, h) if kind == "photo" else _gradient(rng, w, h)
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    if kind in ("photo", "shapes"):
        layer = img.copy()
        _draw_shapes(rng, layer, 6 if kind == "photo" else 12)
        # Slightly soft edges on photo-like images (lens blur); crisp ones for "shapes".
        if kind == "photo":
            layer = layer.filter(ImageFilter.GaussianBlur(max(1, w // 400)))
        img = Image.blend(img, layer, 0.85 if kind == "photo" else 1.0)
    if kind == "text":
        _draw_text(rng, img, 6)
    return img


def to_jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """Encode as baseline JPEG (4:2:0, as most cameras and platforms do)."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def to_png(img: Image.Image) -> bytes:
    """Encode losslessly as PNG."""
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _crop_frac(
    img: Image.Image, left: float, top: float, right: float, bottom: float
) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def _pad(img: Image.Image, lr: int, tb: int, colour: tuple[int, int, int]) -> Image.Image:
    w, h = img.size
    out = Image.new("RGB", (w + 2 * lr, h + 2 * tb), colour)
    out.paste(img.convert("RGB"), (lr, tb))
    return out


def _caption(img: Image.Image, seed: int) -> Image.Image:
    """Meme-style caption: bold text over the lower part of the picture."""
    rng = _rng(seed, 1)
    out = img.convert("RGB")
    draw = ImageDraw.Draw(out)
    w, h = out.size
    words = "".join(rng.choice(np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ  ")), 18))
    draw.text(
        (w // 20, int(h * 0.82)),
        words,
        fill=(255, 255, 255),
        font=_font(h // 12),
        stroke_width=max(1, h // 150),
        stroke_fill=(0, 0, 0),
    )
    return out


def _watermark(img: Image.Image, seed: int) -> Image.Image:
    """Semi-transparent platform-style logo + handle in a corner."""
    rng = _rng(seed, 2)
    base = img.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    w, h = base.size
    s = h // 10
    x, y = w - 5 * s, h - int(1.5 * s)
    draw.ellipse((x, y, x + s, y + s), fill=(255, 255, 255, 140))
    handle = "@" + "".join(rng.choice(np.array(list("abcdefghijklmnop")), 8))
    draw.text(
        (x + int(1.2 * s), y + s // 6),
        handle,
        fill=(255, 255, 255, 160),
        font=_font(max(8, s // 2)),
    )
    return Image.alpha_composite(base, overlay).convert("RGB")


def variant_images(img: Image.Image, seed: int = 0) -> dict[str, Image.Image]:
    """The edits re-posters typically make, as decoded images (see :data:`VARIANT_KINDS`).

    ``jpeg_q30`` is the image decoded back from a quality-30 JPEG, so its artefacts are real.
    """
    img = img.convert("RGB")
    w, h = img.size
    low_q = Image.open(io.BytesIO(to_jpeg(img, quality=30)))
    low_q.load()
    ops: dict[str, Callable[[], Image.Image]] = {
        "resized_50": lambda: img.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "jpeg_q30": lambda: low_q.convert("RGB"),
        "border": lambda: _pad(img, w // 12, w // 12, (255, 255, 255)),
        "letterbox": lambda: _pad(img, 0, h // 5, (0, 0, 0)),
        "crop_3pct": lambda: _crop_frac(img, 0.03, 0.03, 0.03, 0.03),
        "crop_5pct": lambda: _crop_frac(img, 0.05, 0.05, 0.05, 0.05),
        "crop_8pct_one_side": lambda: _crop_frac(img, 0.0, 0.0, 0.08, 0.0),
        "crop_15pct_one_side": lambda: _crop_frac(img, 0.15, 0.0, 0.0, 0.0),
        "caption": lambda: _caption(img, seed),
        "watermark": lambda: _watermark(img, seed),
        "rot90": lambda: img.transpose(Image.Transpose.ROTATE_90),
        "rot180": lambda: img.transpose(Image.Transpose.ROTATE_180),
        "rot270": lambda: img.transpose(Image.Transpose.ROTATE_270),
        "mirror": lambda: img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    }
    return {name: ops[name]() for name in VARIANT_KINDS}


def variants(img: Image.Image, seed: int = 0) -> dict[str, bytes]:
    """Re-posted copies of ``img`` as file bytes, keyed by :data:`VARIANT_KINDS`.

    Every copy is a quality-85 JPEG (what platforms re-encode to), except ``jpeg_q30`` which
    is the raw quality-30 file.
    """
    out: dict[str, bytes] = {}
    for name, vimg in variant_images(img, seed).items():
        out[name] = to_jpeg(img, quality=30) if name == "jpeg_q30" else to_jpeg(vimg, 85)
    return out
