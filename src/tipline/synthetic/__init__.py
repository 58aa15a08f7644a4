"""Benign, procedurally generated media for tests, demos and benchmarks (never real content)."""

from tipline.synthetic.images import (
    KINDS,
    VARIANT_KINDS,
    generate,
    to_jpeg,
    to_png,
    variant_images,
    variants,
)

__all__ = [
    "KINDS",
    "VARIANT_KINDS",
    "generate",
    "to_jpeg",
    "to_png",
    "variant_images",
    "variants",
]
