"""HTTP routers. Each resource adds its router to one of these lists."""

from fastapi import APIRouter

from app.api import campaigns, health

# Mounted under /api/v1.
API_ROUTERS: list[APIRouter] = [health.router, campaigns.router]
# Mounted at the root (OGC API – Features, tiles, browser pages).
ROOT_ROUTERS: list[APIRouter] = []
