"""The database queue: atomic claims under concurrency, heartbeats and expired leases."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from db import queries as q
from db.models import Analysis
from tests.db.helpers import new_analysis, new_run

N_RUNS = 30
N_WORKERS = 4


def test_concurrent_workers_claim_every_run_exactly_once(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        queued = {new_run(s, analysis).id for _ in range(N_RUNS)}
    claims: list[tuple[str, object]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(N_WORKERS)

    def worker(name: str) -> None:
        try:
            start.wait()
            while True:
                with factory.begin() as s:  # each worker: its own connection and transaction
                    run = q.claim_next_queued_run(session=s, worker_id=name, lease_seconds=60)
                    if run is None:
                        return
                    claims.append((name, run.id))
                    time.sleep(0.005)  # hold the transaction so the other workers contend
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(N_WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    if factory.kw["bind"].dialect.name == "postgresql":
        # SKIP LOCKED lets workers claim side by side (SQLite's lock may favour one worker).
        assert len({name for name, _ in claims}) > 1
    counts = Counter(run_id for _, run_id in claims)
    assert set(counts) == queued and set(counts.values()) == {1}
    with factory() as s:
        for worker_name, run_id in claims:
            run = q.get_run(session=s, run_id=run_id)
            assert run is not None and run.status == "running" and run.claimed_by == worker_name
            assert run.lease_expires_at is not None and run.lease_expires_at > run.started_at  # type: ignore[operator]


def test_claim_takes_the_oldest_queued_run_and_mirrors_status(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        first = new_analysis(s)
        first_run = new_run(s, first)
        new_run(s, new_analysis(s))
        new_run(s, new_analysis(s), "succeeded")
    with factory.begin() as s:
        run = q.claim_next_queued_run(session=s, worker_id="w", lease_seconds=30)
        assert run is not None and run.id == first_run.id
        assert s.get(Analysis, first.id).status == "running"  # type: ignore[union-attr]
    with factory.begin() as s:
        assert q.claim_next_queued_run(session=s, worker_id="w", lease_seconds=30) is not None
        assert q.claim_next_queued_run(session=s, worker_id="w", lease_seconds=30) is None


def test_expired_lease_fails_the_run_with_a_reason(factory: sessionmaker[Session]) -> None:
    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with factory.begin() as s:
        analysis = new_analysis(s)
        stale_id = new_run(s, analysis).id
        fresh_id = new_run(s, new_analysis(s)).id
        assert q.claim_next_queued_run(session=s, worker_id="dead", lease_seconds=30, now=t0).id == stale_id  # type: ignore[union-attr]
        assert q.claim_next_queued_run(session=s, worker_id="alive", lease_seconds=30, now=t0).id == fresh_id  # type: ignore[union-attr]
    with factory.begin() as s:
        assert q.heartbeat(
            session=s, run_id=fresh_id, worker_id="alive", lease_seconds=30, now=t0 + timedelta(seconds=20)
        )
        assert not q.heartbeat(session=s, run_id=fresh_id, worker_id="intruder", lease_seconds=30)
    now = t0 + timedelta(seconds=45)
    with factory.begin() as s:
        assert [r.id for r in q.find_expired_leases(session=s, now=now)] == [stale_id]
        failed = q.fail_stale_runs(session=s, now=now)
        assert [r.id for r in failed] == [stale_id]
    with factory() as s:
        stale = q.get_run(session=s, run_id=stale_id)
        assert stale is not None and stale.status == "failed" and stale.finished_at == now
        assert "stopped responding" in (stale.error or "")
        assert "dead" not in (stale.error or "")  # the skier reads it: no worker names
        assert s.get(Analysis, analysis.id).status == "failed"  # type: ignore[union-attr]
        assert q.get_run(session=s, run_id=fresh_id).status == "running"  # type: ignore[union-attr]
    with factory.begin() as s:
        # The failed worker's lease is gone: its heartbeat tells it to stop.
        assert not q.heartbeat(session=s, run_id=stale_id, worker_id="dead", lease_seconds=30)
        assert q.fail_stale_runs(session=s, now=now) == []
