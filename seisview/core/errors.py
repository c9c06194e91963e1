"""The one exception type users see.

A ``SeisviewError`` carries a single line that names the problem and what to
try. The CLI prints it and exits with status 2; the GUI shows it in a dialog.
Anything else reaching the top level is a bug and is logged with its traceback.
"""


class SeisviewError(Exception):
    """A user-facing error: one line, the problem and the fix."""

    def __init__(self, message: str, *, hint: str | None = None):
        self.problem = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}; {hint}")
