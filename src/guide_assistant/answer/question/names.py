"""Names in a question or a sentence: runs of capitalised words, and whether the words after
"at" name a place ('who is the PSW at Oxleas?') rather than say where or when ('at work')."""

from __future__ import annotations

import re

from guide_assistant.answer.question.everyday import zipf
from guide_assistant.text import STOPWORDS

# A capitalised word: runs of them are candidate names ('Dr Ruth Allen', 'Bath Spa University').
CAPITALISED = re.compile(r"[A-Z][a-z][\w'’-]*")
TOKEN = re.compile(r"[\w'’-]+")  # a word with its apostrophes and hyphens, case kept


def capitalised_runs(sentence: str) -> list[list[str]]:
    """The runs of neighbouring capitalised words in a sentence."""
    runs: list[list[str]] = [[]]
    for token in TOKEN.findall(sentence):
        if CAPITALISED.fullmatch(token):
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


PLACE_ZIPF = 4.5  # rarer than this in everyday English: a name ('Oxleas', 'Barnet', 'Marys')


def names_a_place(after_at: list[str]) -> bool:
    """'at Oxleas', 'at st marys', 'at south london and maudsley': within the few words after
    'at', one typed with a capital or one everyday English rarely uses; not 'at my trust',
    'at work', 'at night', 'at senior management level'."""
    if not after_at or after_at[0].lower() in STOPWORDS:
        return False
    return any(CAPITALISED.fullmatch(w) or zipf(w.lower()) < PLACE_ZIPF for w in after_at)
