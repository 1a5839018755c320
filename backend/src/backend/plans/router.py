"""``GET /api/plans``: the limits and plans the pages show (public, cheap, no database)."""

from __future__ import annotations

from contract.plans import Plans
from fastapi import APIRouter

from backend.api.deps import SettingsDep
from backend.plans import service

router = APIRouter(tags=["plans"])


@router.get("/plans", response_model=Plans)
def plans(settings: SettingsDep) -> Plans:
    return service.plans(settings)
