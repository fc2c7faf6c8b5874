"""One line of terminal text that a file name cannot hijack.

File names and reasons that reach the terminal may hold control characters: an ESC sequence can move the cursor,
rewrite earlier lines or set the window title, a newline can forge a line, a right-to-left override can reverse
what is shown. ``printable`` writes each such character as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``), so
the text shows what is really there. Every line the CLI prints about a file goes through it.
"""

from __future__ import annotations

import re

# C0 controls (tab and newline included: one line stays one line), DEL, C1 controls, and the Unicode format
# characters that reorder or hide text (bidi embeddings, overrides and isolates, marks, zero-width joiners).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {9: "\\t", 10: "\\n", 13: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: object) -> str:
    """``str(text)`` with every control or reordering character written as a visible escape."""
    return _UNSAFE.sub(_escaped, str(text))
