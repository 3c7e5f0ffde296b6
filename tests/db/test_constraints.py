"""The schema refuses bad data with IntegrityError on both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db import queries as q
from db.models import Artifact, TurnSegment, TurnTransition, User
from tests.db.helpers import new_analysis, new_run


def _user_same_email_other_case(s: Session) -> None:
    q.create_user(session=s, email="Anna.Skier@Example.com")
    s.commit()
    q.create_user(session=s, email="anna.skier@EXAMPLE.COM ")


def _user_not_normalised(s: Session) -> None:
    s.add(User(email="Mixed@Example.com"))  # bypassing normalise_email
    s.flush()


def _bad_direction(s: Session) -> None:
    run = new_run(s, new_analysis(s))
    s.add(TurnSegment(analysis_run_id=run.id, segment_index=0, start_frame=0, end_frame=5, direction="straight"))
    s.flush()


def _click_time_out_of_range(s: Session) -> None:
    new_analysis(s, click_normalized_time=1.5)


def _window_start_after_center(s: Session) -> None:
    run = new_run(s, new_analysis(s))
    s.add(
        TurnTransition(
            analysis_run_id=run.id, transition_index=0, window_start_frame=12, center_frame=10, window_end_frame=14
        )
    )
    s.flush()


def _bad_status(s: Session) -> None:
    new_analysis(s, status="done")


def _bad_artifact_kind(s: Session) -> None:
    run = new_run(s, new_analysis(s))
    s.add(Artifact(analysis_run_id=run.id, kind="thumbnail", storage_key="k"))
    s.flush()


def _duplicate_artifact_kind(s: Session) -> None:
    run = new_run(s, new_analysis(s))
    s.add(Artifact(analysis_run_id=run.id, kind="run_json", storage_key="a"))
    s.add(Artifact(analysis_run_id=run.id, kind="run_json", storage_key="b"))
    s.flush()


def _dangling_foreign_key(s: Session) -> None:
    import uuid

    q.create_run(session=s, analysis_id=uuid.uuid4())


CASES: dict[str, Callable[[Session], None]] = {
    "duplicate-email-other-case": _user_same_email_other_case,
    "email-not-lower-case": _user_not_normalised,
    "bad-direction": _bad_direction,
    "click-normalized-time-1.5": _click_time_out_of_range,
    "window-start-after-center": _window_start_after_center,
    "bad-analysis-status": _bad_status,
    "bad-artifact-kind": _bad_artifact_kind,
    "duplicate-artifact-kind": _duplicate_artifact_kind,
    "dangling-foreign-key": _dangling_foreign_key,
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_rows_raise_integrity_error(factory: sessionmaker[Session], case: Callable[[Session], None]) -> None:
    with factory() as s:
        with pytest.raises(IntegrityError):
            case(s)
        s.rollback()


def test_emails_are_found_whatever_their_case(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        user = q.create_user(session=s, email=" Anna@Example.COM")
        assert user.email == "anna@example.com"
        assert q.get_user_by_email(session=s, email="ANNA@example.com") is user


def test_timestamps_are_timezone_aware_utc_and_naive_ones_are_refused(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis_id = new_analysis(s).id
    with factory() as s:
        analysis = q.get_analysis(session=s, analysis_id=analysis_id)
        assert analysis is not None and analysis.created_at.tzinfo == UTC
        analysis.confirmed_at = datetime(2026, 1, 1, 12, 0)  # naive
        with pytest.raises(Exception, match="naive datetime"):
            s.flush()
