"""Following the skier from one box: the pose-guided CPU tracker (both directions) and the SAM2 tracker.

Either backend ends in a box, a lost flag and a pose per frame.
"""
