"""User text: checked before it is stored, and put into Markdown to show exactly as typed."""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\|<>])")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded as UTF-8 at all;
# SQLite would keep both, so they are refused everywhere for the two to behave alike.
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def unstorable_text_problem(text: str) -> str | None:
    """Why `text` cannot be stored (completing "<Field> …"), or None when it can."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (often from a copied binary file), which cannot be stored."
    return "contains a broken character (half of an emoji or symbol), which cannot be stored."


def escape_markdown(text: str) -> str:
    """User text made safe inside a Markdown line or table cell: no pipes, no breaks, no HTML."""
    escaped = MARKDOWN_SPECIAL.sub(r"\\\1", text.strip())
    return LINE_BREAK.sub("<br>", escaped)


def markdown_paragraphs(text: str) -> str:
    """Several lines of user text as Markdown, each of the writer's line breaks kept."""
    lines = [MARKDOWN_SPECIAL.sub(r"\\\1", line) for line in LINE_BREAK.split(text.strip())]
    # Two trailing spaces keep each of the writer's line breaks as a break.
    return "  \n".join(lines)


def literal_markdown(text: str) -> str:
    """Text that Markdown shows exactly as typed: every punctuation mark escaped, one line."""
    return LINE_BREAK.sub(" ", ASCII_PUNCTUATION.sub(r"\\\1", text))
