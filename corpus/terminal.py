"""The console every command line prints with: wrapped for a person at a terminal, never for a pipe.

rich wraps what it prints at the console's width, and a stream that is not a terminal gets
80 columns: an error piped to a file, ``grep`` or a CI log came out as its code, path and
message over two to four lines, paths broken mid-name. Every CLI module (``newsdesk/cli.py``,
``annotation/annotate_cli.py``, ``annotation/studio_cli.py``, ``releases/publish_cli.py``)
makes its consoles here, so one finding is one line wherever the output goes.
"""

from __future__ import annotations

from rich.console import Console


class LineConsole(Console):
    """A rich ``Console`` that neither wraps nor crops a line when its stream is not a terminal.

    ``soft_wrap`` (rich's default for ``print``) is read at each print, not fixed when the
    console is made: these consoles are made at import, before a test runner or a caller
    swaps ``sys.stdout`` / ``sys.stderr``. Passing ``soft_wrap=True`` keeps lines whole at a
    terminal too.
    """

    @property
    def soft_wrap(self) -> bool:
        return self._always_soft_wrap or not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._always_soft_wrap = value

