"""The extraction rules of the obligations register, in one place.

A candidate (a sentence, a list item or a table cell of a corpus edition) is an obligation
when it states what someone must / should / is recommended / is good practice / may
consider doing, or when it is an imperative action point in the guidance's action sections
or under an obligation lead-in ("Organisations should:").
"""

from __future__ import annotations

import re

# Top-level sections that place no duties of their own: front matter, references,
# appendices (the appendices quote other bodies' recommendations, not this guidance's).
EXCLUDED_TOP = re.compile(
    r"^(Foreword|Forward|Preface|Acknowledgements|Thanks|References|Appendix|"
    r"Health Education England's New Roles)",
    re.IGNORECASE,
)
# Sections where a bare imperative is an action point even without a "should:" lead-in.
ACTION_SCOPE = re.compile(r"^Part Two\b")
# Table cells that are numbered actions in a best-practice table are good-practice items.
BEST_PRACTICE_TABLE = re.compile(r"best practice", re.IGNORECASE)
NUMBERED_CELL = re.compile(r"^\d+\.\s+\S")

# Verbs that open an action point ("Ensure…", "develop…", "Consider…").
IMPERATIVE_VERBS = (
    "adopt address agree align appoint audit build collect consider create develop embed "
    "enable encourage engage ensure equip establish evaluate foster gather give have hold "
    "identify include invest involve lead maintain make monitor offer plan prioritise promote "
    "protect provide publish recognise reflect release review set share support track treat "
    "undertake use"
).split()
IMPERATIVE = re.compile(
    r"^(?:(?:for|when|where|if)\b[^,]{3,120},\s+)?(" + "|".join(IMPERATIVE_VERBS) + r")\b"
    r"(?!\s+(?:for|of)\b)",  # "Support for social workers can include…" is a noun phrase
    re.IGNORECASE,
)

# Modality, highest priority first: the first pattern that matches decides.
MODALITY_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "must",
        re.compile(
            r"\bmust\b|\bha(?:s|ve) (?:a|the) (?:responsibility|duty) to\b|"
            r"\bare responsible for\b|\brequires? (?:a minimum|specific)\b|"
            r"\bis a minimum for\b",
            re.IGNORECASE,
        ),
    ),
    ("good practice", re.compile(r"\bgood practice to\b", re.IGNORECASE)),
    (
        "consider",
        re.compile(r"\b(?:should|to|employers|organisations|groups) consider\b", re.IGNORECASE),
    ),
    (
        "recommended",
        re.compile(
            r"\bwe (?:would )?(?:recommend|encourage)\b|\bis recommended\b|"
            r"\bit is suggested that\b",
            re.IGNORECASE,
        ),
    ),
    (
        "should",
        re.compile(
            r"\bshould\b|\bneeds? to\b|\bought to\b|"
            r"\bit is (?:important|vital|essential|crucial) that\b",
            re.IGNORECASE,
        ),
    ),
]
# Modal wording that states no duty; blanked out before the modality rules run.
NEUTRAL = re.compile(
    r"should (?:also )?not (?:therefore )?be (?:assumed|seen)|\bthe need to\b|"
    r"\b(?:does )?not (?:necessarily )?need to\b|\bthey need to\b|\bmay need to\b|"
    r"\b(?:where|when|if|what|how)\b[^.;:,]*\bneeds? to\b",  # a subordinate clause's need
    re.IGNORECASE,
)
# List items that only point to a resource ("See NICE…", "quick guide…").
REFERENCE = re.compile(r"^(?:see|refer|quick guide|nice|click)\b", re.IGNORECASE)
# An item that only says what something can / may do states no duty even under "should:".
PERMISSIVE = re.compile(r"\b(?:can|may|could|might)\b", re.IGNORECASE)
# A bare lead-in sentence ("Organisations should:") is context, not an entry of its own.
LEAD_IN = re.compile(r":\s*$")

# Actors, matched in the subject of the obligation (the text before its modal verb).
ACTOR_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("boards", re.compile(r"\bboards?\b|\bnon-executive\b", re.IGNORECASE)),
    ("integrated care systems", re.compile(r"\bICSs?\b|\bintegrated care systems?\b")),
    (
        "senior leaders",
        re.compile(r"\bsenior (?:system )?leaders\b|\bleadership teams\b", re.IGNORECASE),
    ),
    ("commissioners", re.compile(r"\bcommissioners?\b", re.IGNORECASE)),
    ("HR", re.compile(r"\bHR\b|(?i:\bhuman resources\b|\bperformance management\b)")),
    (
        "principal social workers",
        re.compile(r"\bprincipal social workers?\b|\bPSWs?\b", re.IGNORECASE),
    ),
    ("managers", re.compile(r"\bmanagers?\b|\bteam leaders?\b", re.IGNORECASE)),
    ("employers", re.compile(r"\bemployers?\b", re.IGNORECASE)),
    (
        "NHS trusts",
        re.compile(r"\bNHS\b|\btrusts?\b|\bNHS (?:organisations|providers)\b", re.IGNORECASE),
    ),
    ("local authorities", re.compile(r"(?i:\blocal authorit(?:y|ies)\b|\bcouncils?\b)|\bLAs?\b")),
    ("AMHPs", re.compile(r"\bAMHPs\b")),
    (
        "social workers",
        re.compile(
            r"\bsocial workers?\b|\bnewly-qualified\b|\bthe profession\b|\bsocial work\b",
            re.IGNORECASE,
        ),
    ),
    ("organisations", re.compile(r"\borganisations?\b|\bagencies\b|\bhosts?\b", re.IGNORECASE)),
]
DEFAULT_ACTOR = "organisations"
# The modal verb whose subject names the actor ("NHS trusts … should maintain").
SUBJECT_END = re.compile(
    r"\b(?:should|must|needs? to|will need to|ha(?:s|ve) a responsibility|are responsible|"
    r"require)\b",
    re.IGNORECASE,
)
# "… should receive care", "… should be enabled": the beneficiary is not who acts.
PASSIVE_BENEFIT = re.compile(
    r"^\s*(?:also |consistently )?(?:receive|be \w+(?:ed|en)|be given)\b",
    re.IGNORECASE,
)
# "we would encourage organisations to …", "we recommend that all employers …"
ADDRESSEE = re.compile(
    r"\b(?:recommend|encourage)\s+(?:that\s+)?(?:all\s+)?(\w+(?:\s\w+)?)", re.IGNORECASE
)
