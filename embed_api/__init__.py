"""FastAPI sidecar — built by the sidecar issue."""
