"""Recovery events are evidence: only the recovery actions may write them.

The actions of the addon (the nightly run, validating, recording a posting or a
receipt, cancelling with a reason, logging a call, exporting a case file) run inside
a *transition*; outside one, ``recouvrement.event`` refuses to be created, deleted, or
written beyond its free-text fields. A transition is a context variable of the
running Python code: a caller cannot set it through the ORM's context nor through
RPC, where only the public ``action_*`` methods are reachable, each checking the
caller's rights before it starts one.
"""

import contextlib
import contextvars
import functools

_TRANSITION = contextvars.ContextVar("recouvrement_event_transition", default=False)


@contextlib.contextmanager
def transition():
    """Let the code inside write recovery events."""
    token = _TRANSITION.set(True)
    try:
        yield
    finally:
        _TRANSITION.reset(token)


def in_transition():
    return _TRANSITION.get()


def event_transition(method):
    """Decorate a method of the addon that writes recovery events."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with transition():
            return method(*args, **kwargs)

    return wrapper
