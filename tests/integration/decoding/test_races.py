"""Interleavings forced with two sessions and a held row lock (issue 14): no sleeps, no luck.

Each test commits its data to the live test database (unique slugs), holds a lock in one
session, runs a service in another connection on a thread, waits until that connection is
blocked on a lock (pg_stat_activity), then lets go and checks the outcome.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from app.errors import AppError, Busy
from app.models import Assignment, Campaign, Task, User
from app.schemas.campaigns import CampaignUpdate
from app.schemas.decoding import SubmissionCreate
from app.schemas.tasks import TaskFix
from app.services import decoding
from app.services.campaigns import change_status, update_campaign
from tests.factories import make_campaign, make_task, make_user

ANSWER = {"idempotency_key": "race-0001", "outcome": "no_cameras", "tags": []}


@pytest.fixture(scope="module")
def engine(live_database_url: str) -> Iterator[Engine]:
    engine = create_engine(live_database_url, pool_size=6)
    yield engine
    engine.dispose()


class Call:
    """A service call in its own session and transaction, on a thread, committed on success."""

    def __init__(self, engine: Engine, work: Callable[[Session], Any]) -> None:
        self.session = Session(engine, expire_on_commit=False)
        self.pid = self.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,))
        self.thread.start()

    def _run(self, work: Callable[[Session], Any]) -> None:
        try:
            self.result = work(self.session)
            self.session.commit()
        except BaseException as exc:
            self.error = exc
            if getattr(exc, "keep_changes", False):
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def join(self) -> Any:
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        return self.result


def blocked(engine: Engine, call: Call) -> bool:
    """Whether the call's connection waits on a lock (or the call is over)."""
    with engine.connect() as conn:
        waiting = conn.execute(
            text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
            {"p": call.pid},
        ).scalar()
    return bool(waiting) or not call.thread.is_alive()


def wait_blocked(engine: Engine, *calls: Call) -> None:
    """Wait (on database state, not on time) until every call is blocked or finished."""
    deadline = time.monotonic() + 20
    while not all(blocked(engine, c) for c in calls):
        assert time.monotonic() < deadline, "a call neither blocked nor finished"
        time.sleep(0.01)


def seed(engine: Engine, **campaign: Any) -> tuple[int, list[int]]:
    """A committed open campaign with one task; returns (campaign id, [task id])."""
    with Session(engine) as session:
        made = make_campaign(session, tutorial_tasks=0, known_answer_every=0, **campaign)
        task = make_task(session, made)
        session.commit()
        return made.id, [task.id]


def new_user(engine: Engine, **fields: Any) -> int:
    with Session(engine) as session:
        user = make_user(session, **fields)
        session.commit()
        return user.id


def lease_for(engine: Engine, campaign_id: int, user_id: int) -> int:
    """A committed lease for the user; returns its assignment id."""
    with Session(engine) as session:
        campaign = session.get_one(Campaign, campaign_id)
        lease = decoding.next_task_for(
            session, campaign=campaign, user=session.get_one(User, user_id)
        )
        assert lease is not None
        session.commit()
        return lease.assignment.id


def submit_call(engine: Engine, assignment_id: int, user_id: int, key: str = "race-0001") -> Call:
    payload = SubmissionCreate.model_validate({**ANSWER, "idempotency_key": key})
    return Call(
        engine,
        lambda s: decoding.submit(
            s, assignment_id=assignment_id, user=s.get_one(User, user_id), payload=payload
        ),
    )


def task_row(engine: Engine, task_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status, valid_submissions, leased FROM tasks WHERE id = :t"),
            {"t": task_id},
        ).one()


def slug(engine: Engine, campaign_id: int) -> str:
    with Session(engine) as session:
        return session.get_one(Campaign, campaign_id).slug


def test_votes_lowered_while_a_vote_commits_never_strand_the_task(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=3)
    voters = [new_user(engine) for _ in range(2)]
    first, second = (lease_for(engine, campaign_id, u) for u in voters)
    done = submit_call(engine, first, voters[0], key="race-first")
    assert done.join() is not None
    # The second vote stops after reading the campaign (its insert waits on the voter's row),
    # while a coordinator lowers the vote count to what the task will have.
    with Session(engine) as holder:
        holder.execute(text("SELECT 1 FROM users WHERE id = :u FOR UPDATE"), {"u": voters[1]})
        vote = submit_call(engine, second, voters[1], key="race-second")
        wait_blocked(engine, vote)
        lower = Call(
            engine,
            lambda s: update_campaign(
                s, slug=slug(engine, campaign_id), payload=CampaignUpdate(votes_per_task=2)
            ),
        )
        wait_blocked(engine, lower)
        holder.rollback()
    vote.join()
    lower.join()
    assert vote.error is None and lower.error is None
    status, valid, leased = task_row(engine, task_id)
    assert (status, valid, leased) == ("complete", 2, 0)


def test_a_vote_after_the_limit_was_lowered_is_refused_and_ends_its_lease(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=3)
    voters = [new_user(engine) for _ in range(3)]
    leases = [lease_for(engine, campaign_id, u) for u in voters]
    for i in range(2):
        assert submit_call(engine, leases[i], voters[i], key=f"race-low-{i}").join() is not None
    # The coordinator's change holds the campaign row; the third vote must wait and see it.
    with Session(engine) as coordinator:
        update_campaign(
            coordinator, slug=slug(engine, campaign_id), payload=CampaignUpdate(votes_per_task=2)
        )
        third = submit_call(engine, leases[2], voters[2], key="race-low-2")
        wait_blocked(engine, third)
        coordinator.commit()
    third.join()
    assert isinstance(third.error, AppError) and third.error.code == "task_full"
    assert task_row(engine, task_id) == ("complete", 2, 0)
    with Session(engine) as session:
        assert session.get_one(Assignment, leases[2]).status == "expired"


def test_reopen_while_the_last_vote_commits_completes_the_task(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=2)
    voters = [new_user(engine) for _ in range(2)]
    leases = [lease_for(engine, campaign_id, u) for u in voters]
    assert submit_call(engine, leases[0], voters[0], key="reopen-0").join() is not None
    with engine.begin() as conn:
        conn.execute(text("UPDATE tasks SET status = 'review' WHERE id = :t"), {"t": task_id})
    # The last vote holds the task row; the coordinator's reopen waits for it and must see it.
    with Session(engine) as holder:
        holder.execute(text("SELECT 1 FROM users WHERE id = :u FOR UPDATE"), {"u": voters[1]})
        vote = submit_call(engine, leases[1], voters[1], key="reopen-1")
        wait_blocked(engine, vote)
        reopen = Call(engine, lambda s: decoding.reopen(s, task_id=task_id, fix=TaskFix()))
        wait_blocked(engine, reopen)
        holder.rollback()
    vote.join()
    reopen.join()
    assert vote.error is None and reopen.error is None
    assert task_row(engine, task_id) == ("complete", 2, 0)
    with engine.connect() as conn:
        queued = conn.execute(
            text("SELECT count(*) FROM reconcile_jobs WHERE task_id = :t"), {"t": task_id}
        ).scalar_one()
    assert queued == 1


def test_reopen_before_the_last_vote_lets_the_vote_complete_it(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=2)
    voters = [new_user(engine) for _ in range(2)]
    leases = [lease_for(engine, campaign_id, u) for u in voters]
    assert submit_call(engine, leases[0], voters[0], key="reopen-b0").join() is not None
    with engine.begin() as conn:
        conn.execute(text("UPDATE tasks SET status = 'review' WHERE id = :t"), {"t": task_id})
    with Session(engine) as coordinator:
        decoding.reopen(coordinator, task_id=task_id, fix=TaskFix())
        vote = submit_call(engine, leases[1], voters[1], key="reopen-b1")
        wait_blocked(engine, vote)
        coordinator.commit()
    vote.join()
    assert vote.error is None
    assert task_row(engine, task_id) == ("complete", 2, 0)


def test_closing_while_an_answer_is_sent_refuses_the_answer(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=3)
    voter = new_user(engine)
    lease = lease_for(engine, campaign_id, voter)
    with Session(engine) as coordinator:
        change_status(coordinator, slug=slug(engine, campaign_id), action="close")
        vote = submit_call(engine, lease, voter, key="closing-1")
        wait_blocked(engine, vote)
        coordinator.commit()
    vote.join()
    assert isinstance(vote.error, AppError) and vote.error.code == "campaign_closed"
    assert task_row(engine, task_id)[1] == 0


@pytest.mark.parametrize("action", ["pause", "close"])
def test_paused_campaign_finishes_live_leases_and_closed_refuses_them(
    engine: Engine, action: str
) -> None:
    campaign_id, _ = seed(engine, votes_per_task=3)
    with Session(engine) as session:
        make_task(session, session.get_one(Campaign, campaign_id))
        session.commit()
    voters = [new_user(engine) for _ in range(2)]
    leases = [lease_for(engine, campaign_id, u) for u in voters]
    with Session(engine) as coordinator:
        change_status(coordinator, slug=slug(engine, campaign_id), action=action)  # type: ignore[arg-type]
        coordinator.commit()
    vote = submit_call(engine, leases[0], voters[0], key=f"{action}-vote")
    vote.join()
    skipped = Call(
        engine,
        lambda s: decoding.skip(s, assignment_id=leases[1], user=s.get_one(User, voters[1])),
    )
    skipped.join()
    if action == "pause":
        assert vote.error is None and skipped.error is None
    else:
        for call in (vote, skipped):
            assert isinstance(call.error, AppError) and call.error.code == "campaign_closed"


def test_a_pick_locks_one_candidate_row(engine: Engine) -> None:
    campaign_id, _ = seed(engine, votes_per_task=3)
    with Session(engine) as session:
        campaign = session.get_one(Campaign, campaign_id)
        for _ in range(11):
            make_task(session, campaign)
        session.commit()
    user_id = new_user(engine)
    with Session(engine) as picking:
        campaign = picking.get_one(Campaign, campaign_id)
        assert decoding.next_task_for(
            picking, campaign=campaign, user=picking.get_one(User, user_id)
        )
        with engine.connect() as other:
            free = other.execute(
                text(
                    "SELECT count(*) FROM (SELECT id FROM tasks WHERE campaign_id = :c "
                    "FOR NO KEY UPDATE SKIP LOCKED) AS free"
                ),
                {"c": campaign_id},
            ).scalar_one()
        picking.rollback()
    assert free == 11


def test_all_candidates_locked_is_busy_not_nothing_left(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=3)
    user_id = new_user(engine)
    with Session(engine) as holder:
        holder.execute(text("SELECT 1 FROM tasks WHERE id = :t FOR UPDATE"), {"t": task_id})
        asking = Call(
            engine,
            lambda s: decoding.next_task_for(
                s, campaign=s.get_one(Campaign, campaign_id), user=s.get_one(User, user_id)
            ),
        )
        asking.join()
        holder.rollback()
    assert isinstance(asking.error, Busy) and asking.error.retry_after >= 1
    lease = lease_for(engine, campaign_id, user_id)
    with Session(engine) as session:
        assert session.get_one(Assignment, lease).task_id == task_id


def test_nothing_left_is_none_when_every_slot_is_leased(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=1)
    lease_for(engine, campaign_id, new_user(engine))
    late = new_user(engine)
    with Session(engine) as session:
        campaign = session.get_one(Campaign, campaign_id)
        assert (
            decoding.next_task_for(session, campaign=campaign, user=session.get_one(User, late))
            is None
        )
    assert task_row(engine, task_id) == ("open", 0, 1)


def test_a_lease_on_a_task_that_filled_is_ended_not_handed_back(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=2)
    with Session(engine) as session:
        other = make_task(session, session.get_one(Campaign, campaign_id))
        session.commit()
        other_id = other.id
    voters = [new_user(engine) for _ in range(3)]
    leases = [lease_for(engine, campaign_id, u) for u in voters]
    with Session(engine) as session:
        on_task = [a for a in leases if session.get_one(Assignment, a).task_id == task_id]
    assert len(on_task) == 2
    with Session(engine) as coordinator:
        update_campaign(
            coordinator, slug=slug(engine, campaign_id), payload=CampaignUpdate(votes_per_task=1)
        )
        coordinator.commit()
    with Session(engine) as session:
        owners = {a: session.get_one(Assignment, a).user_id for a in on_task}
    first, second = on_task
    assert submit_call(engine, first, owners[first], key="filled-0").join() is not None
    # The other lease on the now complete task is not handed back: a new lease, elsewhere.
    with Session(engine) as session:
        campaign = session.get_one(Campaign, campaign_id)
        lease = decoding.next_task_for(
            session, campaign=campaign, user=session.get_one(User, owners[second])
        )
        session.commit()
        assert lease is None or lease.task.id == other_id
        assert session.get_one(Assignment, second).status == "expired"
    assert task_row(engine, task_id)[2] == 0


def test_expired_lease_held_by_a_locked_task_is_not_nothing_left(engine: Engine) -> None:
    campaign_id, (task_id,) = seed(engine, votes_per_task=1)
    lease = lease_for(engine, campaign_id, new_user(engine))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE assignments SET expires_at = :t WHERE id = :a"),
            {"t": datetime.now(UTC) - timedelta(minutes=1), "a": lease},
        )
    late = new_user(engine)
    with Session(engine) as holder:
        holder.execute(text("SELECT 1 FROM tasks WHERE id = :t FOR UPDATE"), {"t": task_id})
        asking = Call(
            engine,
            lambda s: decoding.next_task_for(
                s, campaign=s.get_one(Campaign, campaign_id), user=s.get_one(User, late)
            ),
        )
        asking.join()
        holder.rollback()
    assert isinstance(asking.error, Busy)
    with Session(engine) as session:
        assert session.scalar(select(Task.leased).where(Task.id == task_id)) == 1


def test_one_key_racing_on_two_leases_is_a_conflict_not_a_second_answer(
    engine: Engine,
) -> None:
    # One decoder, a lease in each of two campaigns, one idempotency key sent for both at
    # once: the second insert waits on the first's key in the unique index, then fails.
    user = new_user(engine)
    first_campaign, _ = seed(engine)
    second_campaign, _ = seed(engine)
    first, second = (lease_for(engine, c, user) for c in (first_campaign, second_campaign))
    payload = SubmissionCreate.model_validate({**ANSWER, "idempotency_key": "race-shared"})
    with Session(engine) as holder:
        decoding.submit(
            holder, assignment_id=first, user=holder.get_one(User, user), payload=payload
        )
        racing = submit_call(engine, second, user, key="race-shared")
        wait_blocked(engine, racing)
        holder.commit()
    racing.join()
    assert isinstance(racing.error, AppError)
    assert racing.error.code == "idempotency_conflict"
