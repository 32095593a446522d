"""Putting user text into Markdown so that it shows exactly as typed, never as markup."""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\|<>])")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


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
