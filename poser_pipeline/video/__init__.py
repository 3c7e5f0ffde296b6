"""Video in and out: probe and decode (rotation applied, trimmed, streamed), pixel formats, the frame spill, H.264."""
