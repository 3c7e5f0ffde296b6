"""The local workers' :class:`services.run_analysis.RunIO`: the database and a ``Storage`` backend."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from poser_pipeline.errors import PoserInputError
from services.run_input import RunInput, artifact_key
from services.storage import Storage


class DbRunIO:
    """Reads a run's input from its analysis row; stores inputs and outputs through ``storage``."""

    def __init__(self, session_factory: sessionmaker[Session], storage: Storage, *, run_id: uuid.UUID) -> None:
        self._factory, self._storage, self._run_id = session_factory, storage, run_id
        self._analysis_id: uuid.UUID | None = None

    def load_input(self) -> RunInput:
        """Raises ``LookupError`` for an unknown run, :class:`PoserInputError` for an unusable analysis."""
        with self._factory() as session:  # closed before reporting: on SQLite a reader holds the write lock
            run = queries.get_run(session=session, run_id=self._run_id)
            if run is None:
                raise LookupError(f"no run {self._run_id}")
            self._analysis_id = run.analysis_id
            analysis = queries.get_analysis(session=session, analysis_id=run.analysis_id)
            if analysis is None:
                raise PoserInputError("this analysis no longer exists")
            return RunInput.from_analysis(analysis)

    def download_clip(self, spec: RunInput, dest: Path) -> None:
        self._storage.download_file(spec.input_key, dest)

    def upload_artifacts(self, files: Mapping[str, tuple[Path, str]]) -> dict[str, str]:
        if self._analysis_id is None:
            raise RuntimeError("load_input() first")
        keys = {}
        for kind, (path, content_type) in files.items():
            keys[kind] = artifact_key(self._analysis_id, self._run_id, path.name)
            self._storage.put_file(keys[kind], path, content_type=content_type)
        return keys
