"""The FastAPI sidecar: public, embed and internal endpoints and the upload widget."""
