"""How the C allocator returns memory: the difference between a model service's working set
and the peak it reports."""

from __future__ import annotations

import ctypes
import logging

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


def fix_mmap_threshold(mib: int) -> bool:
    """Allocations of at least `mib` MiB get their own mapping, returned to the system when
    freed. glibc otherwise raises this threshold to the largest block freed so far (up to
    32 MiB), after which a model's many short-lived tensors of a few MiB are carved from a
    heap that fragments and stays resident. False where the C library is not glibc."""
    if mib <= 0:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded in this process
    except (OSError, AttributeError):
        logger.info("no mallopt in this C library: the allocator keeps its own thresholds")
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, mib * 1024 * 1024))
