"""The offline demo campaign: real NYC intersections and boroughs, synthetic panoramas."""

from app.demo.seed import seed_demo

__all__ = [
    "seed_demo",
]
