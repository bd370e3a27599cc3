"""Dependencies shared by routers, as Annotated aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.db import session_scope
from app.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit after the endpoint succeeds, roll back on error."""
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
