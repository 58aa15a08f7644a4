"""Numba kernels that remove rows by id: dead bits in a segment, a keep mask for the delta.
Kept apart from the search kernels in ``_kernels.py``: they share nothing but numba."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def mark_ids(ids: np.ndarray, sorted_targets: np.ndarray, dead: np.ndarray) -> int:
    """Set the dead bit of every row whose id is in ``sorted_targets``; returns #newly dead."""
    newly = 0
    for row in range(ids.shape[0]):
        i = np.searchsorted(sorted_targets, ids[row])
        if i < sorted_targets.shape[0] and sorted_targets[i] == ids[row]:
            byte = row >> 3
            bit = np.uint8(1 << (row & 7))
            if dead[byte] & bit == 0:
                dead[byte] |= bit
                newly += 1
    return newly


@njit(cache=True, nogil=True)
def keep_mask(ids: np.ndarray, sorted_targets: np.ndarray) -> np.ndarray:
    """Boolean mask of rows whose id is NOT in ``sorted_targets`` (delta removal)."""
    keep = np.ones(ids.shape[0], dtype=np.bool_)
    for row in range(ids.shape[0]):
        i = np.searchsorted(sorted_targets, ids[row])
        if i < sorted_targets.shape[0] and sorted_targets[i] == ids[row]:
            keep[row] = False
    return keep
