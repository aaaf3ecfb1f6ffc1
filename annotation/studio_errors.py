"""The Label Studio server's errors: catalogue errors (:mod:`corpus.errors`) with the server's details.

Apart from :mod:`annotation.studio` so that the modules it uses (the PostgreSQL it may run) raise
them without importing it back.
"""

from __future__ import annotations

from corpus.errors import Errors, NewsdeskError


class StudioError(NewsdeskError):
    """A Label Studio problem a user can act on: a catalogue code, the message and a hint.

    A subclass names its catalogue entry in ``code``; ``details`` holds multi-line context
    such as the last lines of the server log, printed after the one-line error.
    """

    code = Errors.S000.code

    def __init__(self, message: str, hint: str = "", details: str = "") -> None:
        self.message = message
        self.details = details
        super().__init__(getattr(Errors, type(self).code), detail=message, hint=hint or None)

    def __reduce__(self):
        return type(self), (self.message, self.hint, self.details)

    def __str__(self) -> str:
        return self.one_line() + (f"\n{self.details}" if self.details else "")


class StudioInstallError(StudioError):
    """Installing Label Studio into its own virtualenv failed."""

    code = Errors.S001.code


class StudioPortBusyError(StudioError):
    """The port asked for is taken (Label Studio would silently move to another one)."""

    code = Errors.S002.code


class StudioStartError(StudioError):
    """The server exited, or did not answer ``/health``, or is not ours."""

    code = Errors.S003.code


class StudioNotRunningError(StudioError):
    """No local server is running and no team server is configured."""

    code = Errors.E207.code


class StudioAuthError(StudioError):
    """The server refused the API key, or no key was given."""

    code = Errors.E208.code


class StudioUnreachableError(StudioError):
    """Nothing answered at the server URL."""

    code = Errors.E207.code


class StudioUserError(StudioError):
    """A user could not be created or logged in."""

    code = Errors.S007.code
