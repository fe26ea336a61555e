"""Settings: read when made (not when imported), paths relative to one home, nested tuning."""

from __future__ import annotations

from pathlib import Path

from guide_assistant.settings import Settings, locations


def test_the_config_file_is_read_when_settings_are_made(tmp_path, monkeypatch):
    config = tmp_path / "site.toml"
    config.write_text("top_k = 7\n[scoring]\nmeaning = 0.6\n")
    monkeypatch.setenv("GUIDE_CONFIG", str(config))  # after the module was imported
    settings = Settings()
    assert settings.top_k == 7
    assert settings.scoring.meaning == 0.6
    assert settings.scoring.passage == 0.25  # the rest of the group keeps its defaults


def test_relative_folders_are_taken_against_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDE_HOME", str(tmp_path))
    monkeypatch.setenv("GUIDE_INDEX_DIR", "my-indexes")
    monkeypatch.chdir(Path("/"))  # wherever the command runs from
    settings = Settings()
    assert settings.index_dir == tmp_path / "my-indexes"
    assert settings.data_dir == tmp_path / "data"
    assert Settings(data_dir=Path("/srv/state")).data_dir == Path("/srv/state")


def test_state_has_one_home_and_the_corpus_is_the_top_level_one(tmp_path, monkeypatch):
    monkeypatch.delenv("GUIDE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.home == locations.checkout_root()  # a checkout is its own home: make run
    assert settings.home == Path(__file__).resolve().parents[1]
    # The checkout's top-level corpus/ (one copy in git; the wheel maps it into the package).
    assert settings.corpus_dir == settings.home / "corpus"
    assert settings.prompts_dir == settings.home / "prompts"
    assert (settings.corpus_dir / "sources.toml").is_file()
    assert "prompts" in locations.prompt("README.md")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # installed: platformdirs
    assert locations.user_data_home() == tmp_path / "xdg" / "guide-assistant"
    monkeypatch.setenv("GUIDE_HOME", "~/guide")
    assert Settings().data_dir == Path.home() / "guide" / "data"


def test_nested_groups_take_environment_variables(monkeypatch):
    monkeypatch.setenv("GUIDE_LISTS__MAX_ROWS", "12")
    monkeypatch.setenv("GUIDE_DUTY_ANSWERS__MIN_SIMILARITY", "0.5")
    settings = Settings()
    assert settings.lists.max_rows == 12
    assert settings.duty_answers.min_similarity == 0.5


def test_every_setting_is_described():
    def undescribed(model: type, prefix: str = "") -> list[str]:
        missing = []
        for name, field in model.model_fields.items():
            if not field.description:
                missing.append(prefix + name)
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                missing += undescribed(annotation, f"{prefix}{name}.")
        return missing

    assert undescribed(Settings) == []
