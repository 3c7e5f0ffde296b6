"""The sidecar's routers, one per area: ``internal`` (machines), later ``public`` and ``embed``."""
