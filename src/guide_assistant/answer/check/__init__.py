"""The check stage: whether to answer at all (the learned abstain decision on the draft), and
whether a written sentence is supported by the passage it cites (hard checks, the learned
support model, and the guard that keeps only supported sentences)."""
