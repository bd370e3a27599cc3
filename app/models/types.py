"""Column types SQLAlchemy does not ship."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import UserDefinedType


class Point(UserDefinedType[Any]):
    """PostgreSQL's native `point` (x, y): exact distances for KNN on a GiST index."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "POINT"
