"""Synthetic skiers and clips with known motion: the truth that accuracy tests and the demo measure against."""
