"""Per-framework caches keyed by object identity (frameworks are frozen, but hold lists, so not hashable)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from .models import Framework

__all__ = ["per_framework"]

T = TypeVar("T")


def per_framework(build: Callable[..., T]) -> Callable[..., T]:
    """Memoise ``build(fw, *args)`` per framework object and extra (hashable) arguments."""
    cache: dict[tuple[int, tuple[Hashable, ...]], tuple[Framework, T]] = {}

    def cached(fw: Framework, *args: Any) -> T:
        key = (id(fw), args)
        hit = cache.get(key)
        if hit is None or hit[0] is not fw:  # a new object may reuse a dead one's id
            hit = (fw, build(fw, *args))
            cache[key] = hit
        return hit[1]

    cached.__doc__ = build.__doc__
    cached.__name__ = build.__name__
    return cached
