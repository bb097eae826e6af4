"""Configuration, read once at start-up: environment, then a TOML file, then defaults.

Every setting has a key (`database_url`), an environment variable (`CENTRALITA_DATABASE_URL`)
and may appear in a TOML file (`database_url = "..."`). The file is the one named by
`CENTRALITA_CONFIG` (or passed as `path`); a missing named file, an unknown key, or a value of
the wrong type stops start-up with a `ConfigError` whose message is one line naming the key
and what is accepted. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from centralita.errors import CentralitaError

ENV_PREFIX = "CENTRALITA_"
#: Environment variables with our prefix that are not settings: they steer loading, the
#: build scripts' cache, or the test suite.
_NON_SETTING_ENV = {
    "CENTRALITA_CONFIG",
    "CENTRALITA_CACHE",
    "CENTRALITA_NATIVE",
    "CENTRALITA_NATIVE_DIR",
    "CENTRALITA_MEDIA_TOKEN",  # a media worker's TCP token (`centralita media`, `serve --media`)
}
_NON_SETTING_PREFIXES = ("CENTRALITA_TEST_",)


#: The media engine's conference-bridge rates (Hz) and the one `serve` uses by default:
#: trunk callers are narrowband G.711, so 16 kHz would only pay the resampler.
MEDIA_CLOCK_RATES = (8000, 16000)
MEDIA_CLOCK_RATE = 8000


class ConfigError(CentralitaError):
    code = "bad-config"


class Settings(BaseModel):
    """All of Centralita's settings with their defaults (the embedded defaults of `make demo`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: SecretStr = Field(
        default=SecretStr("sqlite:///var/centralita.db"),
        description="SQLAlchemy URL; SQLite file under var/ by default, "
        "e.g. postgresql+psycopg://user:pass@127.0.0.1:5432/centralita",
    )
    host: str = Field(default="127.0.0.1", description="address the web server listens on")
    port: int = Field(default=8080, ge=1, le=65535, description="web server port")
    data_dir: Path = Field(default=Path("var"), description="where files (recordings...) go")
    ivr_flows_dir: Path | None = Field(
        default=None,
        description="IVR flow files (YAML) run on calls to their numbers by serve --sip-port "
        "(none: calls go straight to the campaign's queue)",
    )
    ivr_vosk_model: Path | None = Field(
        default=None,
        description="Vosk model directory for IVR speech (none: pocketsphinx, English)",
    )
    media_clock_rate: int = Field(
        default=MEDIA_CLOCK_RATE,
        description="the media engine's conference-bridge rate in Hz for serve --sip-port: "
        "8000 (G.711 narrowband, like the trunks' callers; recordings at 8 kHz) or 16000 "
        "(wideband G.722 between stations; every G.711 leg is resampled, about 1.7 times the "
        "CPU per call)",
    )
    secret_key: SecretStr = Field(
        default=SecretStr("change-me-in-production"),
        description="key that signs session cookies and CSRF tokens",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="bearer token for the administration API (none: API closed)"
    )
    timezone: str = Field(default="America/Bogota", description="the center's time zone")
    language: Literal["es", "en"] = Field(default="es", description="default UI language")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    reports_update_seconds: float = Field(
        default=2.0,
        ge=0,
        description="how often the live center brings the report tables up to date "
        "(0: only when it stops; `centralita reports update` does it by hand)",
    )
    reports_time: str | None = Field(
        default=None,
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="time of day (HH:MM, center's time zone) at which `centralita serve` "
        "sends the previous day's reports (none: no scheduled reports)",
    )
    reports_tenants: str = Field(
        default="", description="scheduled reports: comma-separated tenant slugs (empty: all)"
    )
    reports_folder: Path | None = Field(
        default=None, description="scheduled reports: folder the files are written to"
    )
    reports_mail_to: str = Field(
        default="", description="scheduled reports: comma-separated addresses to mail them to"
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for mailed reports")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port")
    smtp_from: str = Field(default="centralita@localhost", description="sender of mail")
    smtp_user: str | None = Field(default=None, description="SMTP user (none: no login)")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    smtp_starttls: bool = Field(default=False, description="upgrade SMTP with STARTTLS")

    @field_validator("media_clock_rate")
    @classmethod
    def _bridge_rate(cls, value: int) -> int:
        if value not in MEDIA_CLOCK_RATES:
            raise ValueError(f"must be 8000 or 16000 (Hz), not {value}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as America/Bogota)"
            ) from None
        return value

    def public_dict(self) -> dict[str, str]:
        """Settings as strings, secrets masked (for `centralita config`)."""
        out: dict[str, str] = {}
        for key, value in self.model_dump().items():
            out[key] = "**********" if isinstance(value, SecretStr) else str(value)
        return out

    @property
    def database_url_plain(self) -> str:
        return self.database_url.get_secret_value()


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load settings from `environ` (default `os.environ`) over the TOML file over defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}

    file_name = path if path is not None else env.get("CENTRALITA_CONFIG")
    if file_name:
        file_path = Path(file_name)
        try:
            with file_path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(
                f"configuration file {file_path} does not exist", file=str(file_path)
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"configuration file {file_path} is not valid TOML: {exc}", file=str(file_path)
            ) from None
        for key, value in data.items():
            values[key] = value
            origin[key] = f"{file_path}: key '{key}'"

    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name in _NON_SETTING_ENV:
            continue
        if name.startswith(_NON_SETTING_PREFIXES):
            continue
        key = name[len(ENV_PREFIX) :].lower()
        values[key] = value
        origin[key] = f"environment variable {name}"

    try:
        return Settings(**values)
    except ValidationError as exc:
        raise _one_line(exc, origin) from None


def _one_line(exc: ValidationError, origin: Mapping[str, str]) -> ConfigError:
    err = exc.errors()[0]
    key = str(err["loc"][0]) if err["loc"] else "?"
    where = origin.get(key, f"setting '{key}'")
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(Settings.model_fields))
        return ConfigError(f"unknown setting in {where} (known settings: {known})", key=key)
    message = str(err["msg"]).removeprefix("Value error, ")
    return ConfigError(f"bad value for {where}: {message}", key=key)
