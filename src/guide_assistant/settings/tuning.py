"""The tuning groups of ``Settings``: every number the answer stages weigh or cut at, each
described. Env vars take the group's name: ``GUIDE_SCORING__MEANING=0.6``."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SentenceScoring(BaseModel):
    """How a candidate sentence scores for an answer; the abstain thresholds are on this scale."""

    meaning: float = Field(0.5, description="Weight of the sentence's cosine to the question.")
    shared_words: float = Field(
        0.25, description="Weight of the share of the question's content stems it contains."
    )
    passage: float = Field(0.25, description="Weight of its passage's cosine to the question.")
    rank_penalty: float = Field(
        0.01, description="Subtracted per rank of its passage among the hits (breaks ties)."
    )


class ListTuning(BaseModel):
    """When a whole list (lead-in and items, or sibling headings) is the answer."""

    window: int = Field(15, description="Best-scored sentences whose lists are considered.")
    margin: float = Field(
        0.05, description="How far below the best sentence's score a list may start and win."
    )
    member_bonus: float = Field(
        0.02, description="Bonus per further member of the list among the best sentences."
    )
    member_bonus_cap: int = Field(3, description="Most further members that earn the bonus.")
    size_match_bonus: float = Field(
        0.1, description="Bonus when the list has as many items as the question names ('five')."
    )
    size_mismatch_penalty: float = Field(
        0.05, description="Penalty when the question names a size the list doesn't have."
    )
    headings_penalty: float = Field(
        0.05, description="Penalty for a list of bare sub-headings, unless its size was named."
    )
    max_rows: int = Field(30, description="Longest list quoted whole, lead-in included.")


class ProseTuning(BaseModel):
    """How many single sentences a prose answer takes, and which."""

    max_sentences: int = Field(4, description="Most sentences chosen on their own score.")
    score_window: float = Field(
        0.15, description="A sentence is taken only within this score of the best one."
    )
    min_words: int = Field(4, description="Shorter fragments are not quoted on their own.")
    max_passages: int = Field(3, description="Most passages one prose answer quotes from.")
    order_window: float = Field(
        3.0,
        description="With the learned ranker: sentences more than this far below the best "
        "(in log-odds) are not quoted beside it.",
    )
    about_window: float = Field(
        2.0,
        description="With the learned ranker: a sentence from another passage more than this "
        "far below the best (in log-odds) is quoted only if it, or the list it opens, says one "
        "of the question's distinctive words (when the best sentence says one).",
    )
    type_window: float = Field(
        0.15,
        description="Sentences that give the kind of answer asked for (a figure, a duration) "
        "lead the answer when they score within this much of the best sentence.",
    )
    cover_window: float = Field(
        0.15,
        description="When the best sentence has none of the question's distinctive words, the "
        "best one that has some leads instead, if it scores within this much of the best.",
    )
    redundancy: float = Field(
        0.9, description="Cosine above which a sentence repeats one already chosen (skipped)."
    )
    terse_words: int = Field(
        40, description="Below this many words, the sentence after the best one is added."
    )


class RegisterTuning(BaseModel):
    """Answers to duty questions taken from the obligations register."""

    search_limit: int = Field(12, description="Register entries searched per duty question.")
    min_similarity: float = Field(
        0.4, description="Least cosine between an entry's sentence and the question."
    )
    max_passages: int = Field(5, description="Most source passages one register answer cites.")
    max_rows: int = Field(8, description="Most entries listed in one answer.")
    min_rows: int = Field(
        2, description="Fewer matching entries than this: answer from the passages instead."
    )


class RegisterSearchTuning(BaseModel):
    """Search of the obligations register: BM25 per field, and a cut-off so it only returns
    rows that match (tuned on the dev split of evals/obligations_search.jsonl)."""

    min_share: float = Field(
        0.7, description="Rows must score at least this share of the best row's BM25 score."
    )
    question_share: float = Field(
        0.3,
        description="The share for a query of `question_words` or more searched words (a chat "
        "question): rows relevant to a long question share only some of its words.",
    )
    question_words: int = Field(4, description="Searched words from which a query is a question.")
    min_score: float = Field(
        1.0,
        description="Least BM25 score a row needs (about one matched uncommon word), so a "
        "query of words the register lacks finds nothing.",
    )
    common_share: float = Field(
        0.3,
        description="Words in more than this share of rows ('social', 'work') are not searched "
        "for unless the query has no other word.",
    )
    field_weights: tuple[float, float, float] = Field(
        (0.3, 0.3, 1.0),
        description="Weights of a row's topic tags (derived from the headings:"
        " obligations/topics.py), last section heading and text. Tags and a heading are shared "
        "by many rows, so they count less (chosen on dev: F1 0.708 against 0.694 at 1, 0.5, 1).",
    )
    fuzzy_cutoff: float = Field(
        0.85, description="Similarity (difflib ratio) at which a typo is mended to a word."
    )
    fuzzy_min_length: int = Field(
        5, description="Shorter words are not mended: one letter there makes another word."
    )


class SpellingSettings(BaseModel):
    """How a question's spelling is normalised towards the sources' words."""

    min_length: int = Field(
        4, description="Shorter words are not mended by edit distance: one letter makes another."
    )
    two_edits_from: int = Field(
        10,
        description="Words at least this long may be two edits from the sources' word "
        "(at 8, 'inpatient' became 'patient').",
    )
    initials_min_count: int = Field(
        10,
        description="A typed short form the sources never define ('sws', 'MH') is read as the "
        "phrase whose initials it is only when the sources write that phrase this often.",
    )
    initials_share: float = Field(
        0.75,
        description="... and only when that phrase has at least this share of the phrases with "
        "those initials that the lexicon keeps (an ambiguous short form is left as typed).",
    )
    initials_max_zipf: float = Field(
        4.5,
        description="Typed words this common in everyday English (wordfreq Zipf; 'ok', 'hi', "
        "'pm') are words, not short forms, and are left as typed.",
    )
