"""Use cases shared by the studio, the sidecar and the workers: auth, uploads, storage, mail, queue, runs."""
