"""Baseline: the smallest FastAPI app under uvicorn, one JSON health route and nothing else."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
