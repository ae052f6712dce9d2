"""One thread per process for a model's work.

A worker takes whole recordings and pieces of long ones on separate consumers; handed to
asyncio's default pool, their model calls could run in two of its threads at once, sharing
the cores the service was given threads for, each holding its own working memory. One
dedicated thread runs one model call at a time, with the thread count the service was given.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class ModelThread:
    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(work, *args, **kwargs))
