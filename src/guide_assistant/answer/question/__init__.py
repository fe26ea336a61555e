"""The question stage: what was typed, checked and normalised (spelling, short forms,
preambles, follow-ups), the kind of answer it wants, its route and the documents in scope."""
