"""Settings: environment over file over defaults; bad values named; secrets never shown."""

from __future__ import annotations

import pytest

from centralita.config import ConfigError, load_settings


def test_defaults_are_the_embedded_demo_settings():
    settings = load_settings(environ={})
    assert settings.database_url_plain == "sqlite:///var/centralita.db"
    assert (settings.host, settings.port, settings.language) == ("127.0.0.1", 8080, "es")
    assert settings.admin_token is None


def test_environment_overrides_the_file_which_overrides_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('port = 9000\nlanguage = "en"\n')
    settings = load_settings(environ={"CENTRALITA_CONFIG": str(path), "CENTRALITA_PORT": "9100"})
    assert (settings.port, settings.language) == (9100, "en")


def test_non_setting_variables_of_ours_are_not_mistaken_for_settings():
    settings = load_settings(
        environ={
            "CENTRALITA_CACHE": "/tmp/x",
            "CENTRALITA_TEST_POSTGRES_URL": "postgresql://x",
            "CENTRALITA_NATIVE": "0",  # the compiled core's switch and cache (make native)
            "CENTRALITA_NATIVE_DIR": "/tmp/native",
        }
    )
    assert settings.port == 8080


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CENTRALITA_LANGUAGE": "fr"}, "CENTRALITA_LANGUAGE: Input should be 'es' or 'en'"),
        ({"CENTRALITA_PORT": "70000"}, "CENTRALITA_PORT: Input should be less than or equal"),
        (
            {"CENTRALITA_MEDIA_CLOCK_RATE": "44100"},
            "CENTRALITA_MEDIA_CLOCK_RATE: must be 8000 or 16000 (Hz), not 44100",
        ),
        (
            {"CENTRALITA_COLOUR": "red"},
            "unknown setting in environment variable "
            "CENTRALITA_COLOUR (known settings: admin_token,",
        ),
    ],
)
def test_bad_values_are_named_in_one_line(environ, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=environ)
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.code == "bad-config"


def test_the_media_bridge_rate_defaults_to_narrowband_and_takes_wideband():
    assert load_settings(environ={}).media_clock_rate == 8000
    wide = load_settings(environ={"CENTRALITA_MEDIA_CLOCK_RATE": "16000"})
    assert wide.media_clock_rate == 16000


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("port = = 1\n")
    with pytest.raises(ConfigError, match=r"c\.toml is not valid TOML"):
        load_settings(path)


def test_secrets_never_print():
    settings = load_settings(
        environ={
            "CENTRALITA_ADMIN_TOKEN": "tok-123456",
            "CENTRALITA_DATABASE_URL": "postgresql://u:pw-999@h/db",
        }
    )
    shown = repr(settings) + str(settings) + repr(settings.public_dict())
    assert "tok-123456" not in shown and "pw-999" not in shown
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "tok-123456"
