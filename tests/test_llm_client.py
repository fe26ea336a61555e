"""The model adapter without an index: misconfiguration and failures as one-line messages that
carry neither the key nor a URL's credentials."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from guide_assistant.answer.write.prompting import as_user
from guide_assistant.llm.client import ChatModel, LLMFailure
from guide_assistant.settings import Settings
from tests.helpers import free_port
from tests.llm_servers import Reply, scripted_server

KEY = SecretStr("sk-never-shown-123")


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"llm_provider": "openai", "llm_model": "m"}, "set GUIDE_LLM_BASE_URL"),
        ({"llm_provider": "ollama"}, "set GUIDE_LLM_MODEL"),
    ],
    ids=["no-url", "no-model"],
)
def test_missing_settings_are_named(settings, says):
    with pytest.raises(LLMFailure, match=says):
        ChatModel(Settings(**settings)).chat(as_user("hello"))


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_a_refused_connection_names_the_server_without_credentials(provider):
    url = f"http://admin:hunter2@127.0.0.1:{free_port()}" + ("/v1" if provider == "openai" else "")
    model = ChatModel(
        Settings(llm_provider=provider, llm_base_url=url, llm_model="m", llm_api_key=KEY)
    )
    with pytest.raises(LLMFailure) as failure:
        model.chat(as_user("hello"))
    message = str(failure.value)
    assert "could not be reached" in message
    assert "hunter2" not in message
    assert KEY.get_secret_value() not in message
    assert "\n" not in message


def test_a_failed_request_is_retried_once_then_explained():
    with scripted_server(Reply(status=502)) as server:
        settings = Settings(llm_provider="openai", llm_base_url=server.openai_url, llm_model="m")
        with pytest.raises(LLMFailure, match="returned HTTP 502"):
            ChatModel(settings).chat(as_user("hello"))
    assert len(server.requests) == 2


def test_no_retry_when_retries_are_off():
    with scripted_server(Reply(status=500)) as server:
        settings = Settings(
            llm_provider="ollama", llm_base_url=server.ollama_url, llm_model="m", llm_retries=0
        )
        with pytest.raises(LLMFailure, match="returned HTTP 500"):
            ChatModel(settings).chat(as_user("hello"))
    assert len(server.requests) == 1
