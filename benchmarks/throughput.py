"""``/api/health`` requests per second, ours against the minimal FastAPI app's."""

from __future__ import annotations

import asyncio
import time

import httpx

CONCURRENCY = 20


async def health_rps(base_url: str, seconds: float) -> float:
    """Requests per second that ``CONCURRENCY`` keep-alive clients get from /api/health."""
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, timeout=10, limits=limits) as client:
        deadline = time.monotonic() + seconds
        done = 0

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                response = await client.get("/api/health")
                response.raise_for_status()
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.monotonic() - started)
