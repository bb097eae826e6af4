"""Validated input shapes shared by the API, the CLI and the actions.

Pydantic checks types, ranges and choices here, so every entry point rejects bad input with
the same message naming the field; actions then check what needs the database.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Strategy = Literal[
    "longest_idle",
    "round_robin",
    "fewest_interactions",
    "least_talk_time",
    "random",
    "ring_all",
    "linear",
]
Channel = Literal["voice", "chat", "email", "sms", "social", "case"]
Direction = Literal["inbound", "outbound"]
CampaignKind = Literal[
    "service", "sales", "telemarketing", "collections", "survey", "appointments", "help_desk", "pqr"
]
Name = Field(min_length=1, max_length=100, pattern=r"\S")
PhoneNumber = Annotated[str, Field(pattern=r"^\+?[0-9*#]{2,31}$")]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QueueSpec(Spec):
    name: str = Name
    strategy: Strategy = "longest_idle"
    priority: int = Field(default=5, ge=1, le=10)
    service_level_seconds: int = Field(default=20, ge=1, le=3600)
    service_level_target: float = Field(default=0.8, gt=0, le=1)
    short_abandon_seconds: int = Field(default=5, ge=0, le=120)
    ring_timeout_seconds: int = Field(default=15, ge=3, le=300)
    wrapup_seconds: int = Field(default=10, ge=0, le=3600)
    max_wait_seconds: int | None = Field(default=None, ge=1, le=86400)
    max_length: int | None = Field(default=None, ge=1, le=100000)
    when_no_agents: Literal["wait", "reject", "overflow"] = "wait"
    overflow_queue: str | None = Field(default=None, description="name of another queue")
    overflow_destination: str | None = Field(default=None, max_length=100)
    site: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _overflow_has_target(self) -> QueueSpec:
        needs_target = self.when_no_agents == "overflow" or self.max_wait_seconds is not None
        if needs_target and not (self.overflow_queue or self.overflow_destination):
            raise ValueError(
                "max_wait_seconds and when_no_agents=overflow need "
                "overflow_queue or overflow_destination"
            )
        if self.overflow_queue and self.overflow_queue == self.name:
            raise ValueError("overflow_queue cannot be the queue itself")
        return self


class FormField(Spec):
    """One field of a campaign's entry form, as administrators define it."""

    name: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
    label_en: str = Name
    label_es: str = Name
    type: Literal["text", "number", "date", "choice", "boolean", "email", "phone", "money"]
    required: bool = False
    choices: list[str] = Field(default_factory=list)
    max_length: int | None = Field(default=None, ge=1, le=10000)

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FormField:
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field {self.name!r} is a choice with no choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"field {self.name!r} has choices but is of type {self.type}")
        return self


class CampaignSpec(Spec):
    name: str = Name
    direction: Direction
    kind: CampaignKind = "service"
    queue: str | None = None
    numbers: list[PhoneNumber] = Field(default_factory=list)
    form: list[FormField] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_field_names(self) -> CampaignSpec:
        names = [f.name for f in self.form]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"form field names repeat: {', '.join(duplicates)}")
        return self


class ContactSpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    phones: list[PhoneNumber] = Field(default_factory=list, max_length=20)
    document: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    segment: str | None = Field(default=None, max_length=50)
    language: Literal["es", "en"] = "es"
    preferred_input: Literal["keypad", "voice"] = "keypad"
    custom: dict[str, Any] = Field(default_factory=dict)
