"""Discussion flags on tasks: anyone signed in may open or join a task's thread."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import TaskNotFound
from app.models import Campaign, Flag, Task, User
from app.schemas.decoding import FlagRead
from app.services.accounts import has_role

MAX_LISTED = 200


def _task(session: Session, task_id: int, user: User) -> Task:
    task = session.get(Task, task_id)
    draft = task is not None and session.get_one(Campaign, task.campaign_id).status == "draft"
    if task is None or (draft and not has_role(user, "coordinator")):
        raise TaskNotFound(f"No task {task_id}.")
    return task


def add_flag(session: Session, *, task_id: int, user: User, body: str) -> FlagRead:
    """Post a message to the task's thread."""
    _task(session, task_id, user)
    flag = Flag(task_id=task_id, user_id=user.id, body=body.strip() or body)
    session.add(flag)
    session.flush()
    session.refresh(flag)
    return FlagRead(
        id=flag.id,
        task_id=task_id,
        author=user.public_id,
        body=flag.body,
        created_at=flag.created_at,
    )


def _rows(session: Session, query: object) -> list[FlagRead]:
    return [
        FlagRead(id=f.id, task_id=f.task_id, author=pid, body=f.body, created_at=f.created_at)
        for f, pid in session.execute(query)  # type: ignore[call-overload]
    ]


def task_flags(session: Session, *, task_id: int, user: User) -> Sequence[FlagRead]:
    """The thread of a task, oldest first; authors by pseudonym only."""
    _task(session, task_id, user)
    query = (
        select(Flag, User.public_id)
        .join(User, User.id == Flag.user_id)
        .where(Flag.task_id == task_id)
        .order_by(Flag.created_at, Flag.id)
        .limit(MAX_LISTED)
    )
    return _rows(session, query)


def campaign_flags(session: Session, *, campaign: Campaign, limit: int) -> Sequence[FlagRead]:
    """Recent flags of a campaign, newest first (coordinators)."""
    query = (
        select(Flag, User.public_id)
        .join(User, User.id == Flag.user_id)
        .join(Task, Task.id == Flag.task_id)
        .where(Task.campaign_id == campaign.id)
        .order_by(Flag.created_at.desc(), Flag.id.desc())
        .limit(limit)
    )
    return _rows(session, query)
