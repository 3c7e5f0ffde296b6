"""The overlay and skier-centred videos: skeleton, box and labels drawn on the clip, encoded to H.264."""
