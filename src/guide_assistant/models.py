"""Pydantic models for everything that crosses a module or process boundary."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SECTION_SEP = " › "
LOCAL_LABEL = "Local document (not the guidance)"


class SourceDocument(BaseModel):
    """One document the assistant answers from (a corpus edition or a user's file)."""

    source_id: str
    title: str
    publisher: str | None = None
    year: str | None = None
    url: str | None = None
    path: str = Field(description="File the text was read from.")
    kind: Literal["corpus", "user"] = "corpus"
    date: str | None = Field(None, description="An edition's publication date, as printed.")
    file_name: str | None = Field(None, description="A user's file: its name in the folder.")
    modified: str | None = Field(None, description="A user's file: last modified (ISO date).")


class Resource(BaseModel):
    """An outside resource the guidance links (mostly NICE guidance), listed but not ingested."""

    code: str
    title: str
    url: str | None = None
    note: str | None = None
    linked_from: list[str] = Field(default_factory=list, description="Section paths linking it.")
    source_id: str = "hee-2020-guidance"


class Section(BaseModel):
    """A heading-delimited span of a document's text."""

    source_id: str
    path: list[str] = Field(description="Heading titles from the outermost to this section.")
    start: int = Field(description="Character offset of the body's first character.")
    end: int = Field(description="Character offset just past the body's last character.")
    heading_start: int = Field(-1, description="Offset of the heading's title (-1: none).")
    heading_end: int = Field(-1, description="Offset just past the heading's title.")


class Passage(BaseModel):
    """A chunk: a verbatim span of one section, with offsets into the document's text."""

    id: str
    source_id: str
    title: str
    section: list[str]
    text: str
    start: int
    end: int
    url: str | None = None


class Sentence(BaseModel):
    """A sentence (or list item) of a passage, with offsets into the document's text."""

    passage_id: str
    text: str
    start: int
    end: int
    kind: Literal["para", "item", "row", "heading"] = "para"
    group: int = Field(0, description="Ordinal of its paragraph / list / table in the corpus.")
    children: int = Field(0, description="For a heading: the group of its sub-headings.")
    instruction: bool = Field(
        False,
        description="Addressed to the assistant, not the reader (a planted instruction, found "
        "at ingest): never quoted in an answer nor given to a model.",
    )
    suspicion: float = Field(
        0.0,
        description="The planted-instruction detector's score (user documents only): above its "
        "'suspicious' bar, llm mode withholds the sentence from the model.",
    )


class Citation(BaseModel):
    """A numbered source of an answer: the verbatim passage it quotes."""

    n: int = Field(description="The [n] marker in the answer text.")
    source_id: str
    title: str
    section: str = Field(description="Heading path, joined with ' › '.")
    text: str = Field(description="The verbatim passage from the corpus edition.")
    url: str | None = None
    score: float = 0.0
    passage_id: str = ""
    start: int = 0
    end: int = 0
    quotes: list[str] = Field(
        default_factory=list, description="Sentences of the answer taken from this passage."
    )
    kind: Literal["guidance", "local"] = Field(
        "guidance",
        description="guidance: one of the national guidance editions; local: a document the "
        "user added (never to be read as the guidance).",
    )
    file_name: str | None = Field(None, description="A local document's file name.")
    withheld: list[str] = Field(
        default_factory=list,
        description="Sentences of this passage addressed to the assistant (planted "
        "instructions, found at ingest): shown in the passage, never quoted or obeyed.",
    )

    @property
    def label(self) -> str:
        """How the source is named wherever it is shown: a local document by its file name."""
        if self.kind == "local":
            return f"{LOCAL_LABEL}: {self.file_name or self.source_id} — “{self.title}”"
        return self.title


class Route(BaseModel):
    """Which kind of answer a question gets, and why (recorded on every ``Answer``)."""

    name: Literal["register", "list", "prose", "abstain"] = Field(
        description="register: duties from the obligations register; list: a whole list; "
        "prose: the best few sentences; abstain: 'the guidance doesn't cover this'."
    )
    reason: str = Field(description="Why, in words: the cue matched, or the fallback taken.")


class DroppedSentence(BaseModel):
    """A sentence the model wrote that the guard kept from the user, and why."""

    text: str
    reason: str


class Verification(BaseModel):
    """What the guard did to a written (llm mode) answer."""

    generated: int = Field(0, description="Sentences the model wrote.")
    shown: int = Field(0, description="Sentences that passed the guard and are shown.")
    dropped: list[DroppedSentence] = Field(
        default_factory=list, description="Sentences not shown, each with its reason."
    )
    fell_back: bool = Field(False, description="The extractive answer is shown instead.")
    fallback_reason: str | None = Field(None, description="Why it fell back, in one line.")


class Answer(BaseModel):
    """What the assistant says to a question."""

    question: str
    answer: str = Field(description="Markdown with [n] markers pointing at citations.")
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    abstain_reason: str | None = Field(None, description="Why the answer abstained, if it did.")
    route: Route | None = Field(None, description="The kind of answer given, with its reason.")
    mode: Literal["extractive", "llm"] = Field(
        "extractive",
        description="The mode that produced what is shown (after a fallback: extractive).",
    )
    model: str | None = Field(None, description="The model that wrote the answer, if one did.")
    verification: Verification | None = Field(
        None, description="The guard's record of a written answer (llm mode only)."
    )
    note: str | None = Field(
        None, description="One line on how the answer was produced, if unusual."
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)
    related: list[Citation] = Field(
        default_factory=list, description="Closest passages offered when the answer abstains."
    )
    resources: list[Resource] = Field(
        default_factory=list, description="Linked NICE resources of the cited sections."
    )
    query: str = Field("", description="The standalone query actually searched.")
    retrieved: list[str] = Field(
        default_factory=list, description="Ids of the passages retrieved, best first."
    )
    scope: str | None = Field(None, description="Which documents were searched, and why.")

    @property
    def shown_citations(self) -> list[Citation]:
        """What is listed under the answer: its sources, or the related reading of a refusal."""
        return self.related if self.abstained else self.citations

    @property
    def provenance(self) -> str:
        """How what is shown was produced, in one line (a fallback says why)."""
        if self.note:
            return self.note
        if self.mode == "llm":
            return f"Written by {self.model} and checked against the sources."
        return "Quoted from the guidance."


class ChatMessage(BaseModel):
    """One turn of conversation history (the Gradio / OpenAI message format)."""

    role: Literal["user", "assistant"]
    content: str


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long, junk): message is user-facing."""
