"""3D body pose: BlazePose's 33 landmarks on a crop around each box, their names, and zero-phase smoothing."""
