"""Errors the pipeline raises for bad input.

Every user-facing failure is a :class:`PoserInputError` whose message is one
line a person can act on; the CLI prints it and exits with status 2.
"""


class PoserInputError(ValueError):
    """The clip, the box prompt or the time window cannot be analysed."""


class WindowError(PoserInputError):
    """The time window does not fit the clip or the length limit.

    Its message speaks of the window in seconds, for whoever chose it (a slider in the
    studio, fields in an API call); the CLI adds the names of its own options.
    """
