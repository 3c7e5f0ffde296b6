"""Use cases shared by the studio and the sidecar — built by the services issue."""
