"""The throwaway PostgreSQL helper says how to install the server when it is missing."""

from __future__ import annotations

import pytest

from db import testing_postgres


def test_missing_binaries_raise_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing_postgres, "find_pg_bin", lambda: None)
    with (
        pytest.raises(testing_postgres.PostgresUnavailableError, match="make test"),
        testing_postgres.postgres_server(),
    ):
        pass
