"""The run's files: ``frames.csv``, ``turns.csv``, ``metrics.csv`` and ``run.json``."""
