"""Questions not in English get one clear line, before anything is retrieved; English typed
with typos, short forms and jargon is answered as before."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from guide_assistant.answer.question.language import REFUSAL, LanguageDetector, latin_share
from guide_assistant.interfaces.cli import app
from guide_assistant.models import Answer
from guide_assistant.settings import Settings

OTHER_LANGUAGES = {
    "fr": "À quelle fréquence la supervision professionnelle doit-elle avoir lieu ?",
    "de": "Welche Unterstützung muss der Arbeitgeber für AMHPs bereitstellen?",
    "cy": "Pa mor aml y dylai gweithwyr cymdeithasol iechyd meddwl gael goruchwyliaeth?",
    "ar": "كم مرة يجب أن يحصل الأخصائي الاجتماعي على الإشراف المهني؟",
    "he": "באיזו תדירות עובד סוציאלי בבריאות הנפש צריך לקבל הדרכה?",
    "ur": "کیا AMHP کو اضافی تربیت ملتی ہے؟",
}


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_a_question_in_another_language_gets_one_line(assistant, code):
    answer = assistant.ask(OTHER_LANGUAGES[code])
    assert answer.answer == REFUSAL
    assert answer.abstained
    assert (answer.abstain_reason or "").startswith("not English")
    assert (answer.citations, answer.related, answer.retrieved) == ([], [], [])


@pytest.mark.parametrize(
    ("question", "evidence"),
    [
        ("how offen shud i get supervison", "supervision"),
        ("cn i get mentoring as an nqsw", "mentor"),
        ("s75 secondment - who supervises me", "supervis"),
        ("AMHP", "AMHP"),
    ],
)
def test_english_with_typos_and_short_forms_is_answered(assistant, question, evidence):
    """Answered, not refused (an abstention fills ``related`` too), from sentences about it."""
    answer = assistant.ask(question)
    assert answer.answer != REFUSAL
    assert not answer.abstained, answer.abstain_reason
    quoted = " ".join(q for c in answer.citations for q in c.quotes)
    assert evidence.lower() in quoted.lower()


def test_the_script_decides_short_questions_in_other_scripts():
    detector = LanguageDetector(Settings())
    assert not detector.check("הדרכה?").english  # one Hebrew word
    assert detector.check("ASYE?").english  # one acronym: too little to judge
    assert latin_share("AMHP الإشراف") == pytest.approx(4 / 11)
    assert latin_share("1:1 ??") == 1.0


def test_the_check_can_be_turned_off():
    detector = LanguageDetector(Settings(language={"enabled": False}))
    assert detector.check(OTHER_LANGUAGES["fr"]).english
    assert detector._identifier is None  # and its model is not even loaded


def test_the_cli_prints_the_line_and_exits_0(monkeypatch, index_settings):
    for name in ("index_dir", "user_docs_dir", "data_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(index_settings, name)))
    result = CliRunner().invoke(app, ["ask", "--json", OTHER_LANGUAGES["he"]])
    assert result.exit_code == 0, result.output
    assert Answer.model_validate_json(result.stdout).answer == REFUSAL
