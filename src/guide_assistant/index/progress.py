"""Progress of an ingest, stage by stage: reading, chunking, embedding, writing.

On a terminal each stage gets a tqdm bar (with its rate and ETA). When stderr is not a
terminal (``make`` piped to a log, CI), bars would fill the log with carriage-return
redraws, so each stage prints one plain line when it ends instead. ``Stages.off()`` is silent.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal, TextIO

Update = Callable[[int], None]
Mode = Literal["bars", "lines", "off"]


class Stages:
    """Reports stages of known size to ``stream`` in the chosen ``mode``."""

    def __init__(self, mode: Mode = "off", stream: TextIO | None = None) -> None:
        self.mode = mode
        self.stream = stream or sys.stderr

    @classmethod
    def off(cls) -> Stages:
        return cls("off")

    @classmethod
    def for_stream(cls, stream: TextIO) -> Stages:
        """Bars on a terminal, one line per stage otherwise."""
        return cls("bars" if stream.isatty() else "lines", stream)

    def _size(self) -> tuple[int, int]:
        """The terminal's columns and lines; some (a bare pseudo-terminal) report 0 x 0, and
        tqdm hides a bar that has no line to stand on."""
        try:
            size = os.get_terminal_size(self.stream.fileno())
        except (OSError, ValueError):
            return 80, 24
        return size.columns or 80, size.lines or 24

    def note(self, message: str) -> None:
        """A line saying what is happening (before the stages that follow it)."""
        if self.mode != "off":
            print(message, file=self.stream, flush=True)

    @contextmanager
    def stage(self, name: str, total: int, unit: str) -> Iterator[Update]:
        """A stage of ``total`` ``unit``s; call the yielded function with each step's size."""
        if self.mode == "off":
            yield lambda n: None
            return
        began = time.perf_counter()
        if self.mode == "bars":
            from tqdm import tqdm

            columns, lines = self._size()
            with tqdm(
                total=total,
                desc=f"{name:<9}",
                unit=unit,
                file=self.stream,
                ncols=columns,
                nrows=lines,
            ) as bar:
                yield bar.update
            return
        done = 0

        def update(n: int) -> None:
            nonlocal done
            done += n

        yield update
        seconds = time.perf_counter() - began
        rate = f", {done / seconds:.0f} {unit}s/s" if seconds > 0 and done else ""
        print(f"{name}: {done} {unit}s in {seconds:.1f} s{rate}", file=self.stream, flush=True)
