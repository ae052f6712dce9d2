"""The allocator's mmap threshold, fixed for a model service."""

from __future__ import annotations

import platform

import pytest
from secretary_runtime.memory import fix_mmap_threshold


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_a_fixed_threshold_is_taken_and_zero_leaves_glibc_alone() -> None:
    assert fix_mmap_threshold(2)
    assert not fix_mmap_threshold(0)
