"""How an answer's quoted lines are laid out: shared by the extractive answer, the streamed
written answer and the chat, so a sentence looks the same however it reached the page."""

from __future__ import annotations


def layout(lines: list[str]) -> str:
    """Prose sentences run together as a paragraph; list items each on their own line."""
    out: list[str] = []
    for line in lines:
        is_item = line.startswith("- ")
        if out and not is_item and not out[-1].startswith("- ") and not out[-1].endswith(":"):
            out[-1] = f"{out[-1]} {line}"
        else:
            if out and (is_item != out[-1].startswith("- ")):
                out.append("")
            out.append(line)
    return "\n".join(out)
