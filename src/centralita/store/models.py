"""The stored data model: who works here, what they route, whom they serve.

Every row carries its tenant (a client company of a BPO, or the one company of an in-house
center). Rows here are the current configuration and the identity of things; what happened
is in the append-only `events` table (`centralita.store.events`), from which reports are
projected. Facts that reports need later (wrap-ups, interactions' arrival attributes) are
written once and never updated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from centralita.store.types import BigId, JsonDoc, UTCDateTime

#: Constraint names are explicit so migrations can drop them by name on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("agent", "supervisor", "administrator", "quality_analyst", "client_viewer")
STRATEGIES = (
    "longest_idle",
    "round_robin",
    "fewest_interactions",
    "least_talk_time",
    "random",
    "ring_all",
    "linear",
)
WHEN_NO_AGENTS = ("wait", "reject", "overflow")
CHANNELS = ("voice", "chat", "email", "sms", "social", "case")
DIRECTIONS = ("inbound", "outbound")
CAMPAIGN_KINDS = (
    "service",
    "sales",
    "telemarketing",
    "collections",
    "survey",
    "appointments",
    "help_desk",
    "pqr",
)
INPUT_MODES = ("keypad", "voice")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _tenant_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)


class Tenant(Base):
    """A client company: the unit of data isolation."""

    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Site(Base):
    """A physical or virtual contact-center site, with its own time zone."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))


class User(Base):
    """A person who signs in: agent, supervisor, administrator, QA analyst or client viewer."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="es")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TenantGrant(Base):
    """An extra tenant a user may see (a BPO supervisor across several client companies)."""

    __tablename__ = "tenant_grants"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)


class Team(Base):
    """A supervisor and the agents it supervises."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TeamMember(Base):
    __tablename__ = "team_members"
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Skill(Base):
    """Something an agent knows: a product, a language, a process."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(100))


class AgentSkill(Base):
    """An agent's level (1 = basic … 5 = expert) in a skill."""

    __tablename__ = "agent_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)


class PauseReason(Base):
    """A not-ready reason code (break, lunch, training, back office…) and its maximum."""

    __tablename__ = "pause_reasons"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    code: Mapped[str] = mapped_column(String(50))
    label_en: Mapped[str] = mapped_column(String(100))
    label_es: Mapped[str] = mapped_column(String(100))
    max_seconds: Mapped[int | None] = mapped_column(Integer)
    productive: Mapped[bool] = mapped_column(Boolean, default=False)


class Queue(Base):
    """Where interactions wait for an agent, with the policy that picks one."""

    __tablename__ = "queues"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint(_in("strategy", STRATEGIES), name="strategy"),
        CheckConstraint(_in("when_no_agents", WHEN_NO_AGENTS), name="when_no_agents"),
        CheckConstraint("priority BETWEEN 1 AND 10", name="priority"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    strategy: Mapped[str] = mapped_column(String(30), default="longest_idle")
    priority: Mapped[int] = mapped_column(Integer, default=5)
    service_level_seconds: Mapped[int] = mapped_column(Integer, default=20)
    service_level_target: Mapped[float] = mapped_column(default=0.8)
    short_abandon_seconds: Mapped[int] = mapped_column(Integer, default=5)
    ring_timeout_seconds: Mapped[int] = mapped_column(Integer, default=15)
    wrapup_seconds: Mapped[int] = mapped_column(Integer, default=10)
    max_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    max_length: Mapped[int | None] = mapped_column(Integer)
    when_no_agents: Mapped[str] = mapped_column(String(10), default="wait")
    overflow_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    overflow_destination: Mapped[str | None] = mapped_column(String(100))
    #: Further policy the routing core reads: skill requirement steps, ageing, language…
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class Campaign(Base):
    """A service or sales operation for a client: inbound lines or an outbound list."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        CheckConstraint(_in("kind", CAMPAIGN_KINDS), name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20), default="service")
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    #: The entry form the agent fills: a list of field definitions.
    form: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignNumber(Base):
    """A dialed number (DNIS) that identifies its campaign; unique in the installation."""

    __tablename__ = "campaign_numbers"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)


class Disposition(Base):
    """A typification the agent picks at wrap-up ("sale", "payment promise", "wrong number")."""

    __tablename__ = "dispositions"
    __table_args__ = (UniqueConstraint("tenant_id", "campaign_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    code: Mapped[str] = mapped_column(String(50))
    label_en: Mapped[str] = mapped_column(String(100))
    label_es: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30), default="other")


class Contact(Base):
    """A customer (or prospect, or debtor) with the client's own custom fields."""

    __tablename__ = "contacts"
    __table_args__ = (CheckConstraint(_in("preferred_input", INPUT_MODES), name="input"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str | None] = mapped_column(String(50), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    segment: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8), default="es")
    preferred_input: Mapped[str] = mapped_column(String(10), default="keypad")
    custom: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactPhone(Base):
    """A phone number of a contact, in E.164 when known, looked up by caller ID (ANI)."""

    __tablename__ = "contact_phones"
    __table_args__ = (
        UniqueConstraint("contact_id", "number"),
        Index("ix_contact_phones_tenant_number", "tenant_id", "number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    number: Mapped[str] = mapped_column(String(32))


class Interaction(Base):
    """One contact with a customer on any channel: its identity and arrival attributes.

    Written once when it arrives; everything that happens to it afterwards is an event.
    """

    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        Index("ix_interactions_tenant_arrived", "tenant_id", "arrived_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    ani: Mapped[str | None] = mapped_column(String(64))
    dnis: Mapped[str | None] = mapped_column(String(64))
    #: the carrier trunk (its configured name) a call came in or went out through
    trunk: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(Text)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WrapUp(Base):
    """The agent's disposition and notes for an interaction (append-only)."""

    __tablename__ = "wrapups"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interactions.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("dispositions.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    form_data: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Event(Base):
    """One entry of the append-only event log: every state change, with when and by whom.

    Database triggers (migration 0003) refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant_at", "tenant_id", "at"),
        Index("ix_events_kind_at", "kind", "at"),
        Index("ix_events_agent_at", "agent_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(60))
    interaction_id: Mapped[str | None] = mapped_column(String(36), index=True)
    agent_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


# --- report projections -------------------------------------------------------------------
# Derived from the event log by `centralita.reports` and rebuilt from it at will
# (`centralita reports rebuild`); no foreign keys, so a rebuild can write them in bulk.
# Times are 15-minute UTC slots (`slot_start`); see `centralita.reports.projector`.


def _count() -> Mapped[int]:
    return mapped_column(Integer, default=0)


def _seconds() -> Mapped[float]:
    return mapped_column(Float, default=0.0)


class ReportQueueSlot(Base):
    """One queue's calls that entered it in one 15-minute slot (KPIS.md counters)."""

    __tablename__ = "report_queue_slots"
    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queue_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    offered: Mapped[int] = _count()
    answered: Mapped[int] = _count()
    answered_within: Mapped[int] = _count()
    abandoned: Mapped[int] = _count()
    short_abandoned: Mapped[int] = _count()
    overflowed_out: Mapped[int] = _count()
    overflowed_in: Mapped[int] = _count()
    transferred_in: Mapped[int] = _count()
    moved_out: Mapped[int] = _count()
    rejected: Mapped[int] = _count()
    callbacks: Mapped[int] = _count()
    waited: Mapped[int] = _count()
    wait_answered: Mapped[float] = _seconds()
    wait_abandoned: Mapped[float] = _seconds()
    max_wait: Mapped[float] = _seconds()
    handled: Mapped[int] = _count()
    talk: Mapped[float] = _seconds()
    hold: Mapped[float] = _seconds()
    wrap: Mapped[float] = _seconds()
    rona: Mapped[int] = _count()


class ReportAgentSlot(Base):
    """One agent's seconds in each state, and offers, answers and RONAs, in one slot."""

    __tablename__ = "report_agent_slots"
    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    available: Mapped[float] = _seconds()
    reserved: Mapped[float] = _seconds()
    talking: Mapped[float] = _seconds()
    on_hold: Mapped[float] = _seconds()
    wrap_up: Mapped[float] = _seconds()
    not_ready: Mapped[float] = _seconds()
    offers: Mapped[int] = _count()
    answered: Mapped[int] = _count()
    rona: Mapped[int] = _count()


class ReportAgentPause(Base):
    """Seconds one agent spent not ready with one pause reason in one slot."""

    __tablename__ = "report_agent_pauses"
    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    reason: Mapped[str] = mapped_column(String(50), primary_key=True)
    seconds: Mapped[float] = _seconds()


class ReportAgentSession(Base):
    """One log-in of an agent: when it started and (once over) when it ended."""

    __tablename__ = "report_agent_sessions"
    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    logged_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    logged_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportCall(Base):
    """The call detail record of one finished interaction, with its legs."""

    __tablename__ = "report_calls"
    __table_args__ = (Index("ix_report_calls_tenant_arrived", "tenant_id", "arrived_at"),)
    interaction_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    first_queue_id: Mapped[int | None] = mapped_column(Integer)
    last_queue_id: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Integer)
    wait_seconds: Mapped[float] = _seconds()
    talk_seconds: Mapped[float] = _seconds()
    hold_seconds: Mapped[float] = _seconds()
    wrap_seconds: Mapped[float] = _seconds()
    transfers: Mapped[int] = _count()
    overflows: Mapped[int] = _count()
    legs: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)


class ReportIvrSlot(Base):
    """Visits to one IVR node in one slot, and the calls that left the IVR there, by outcome."""

    __tablename__ = "report_ivr_slots"
    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(100), primary_key=True)
    node: Mapped[str] = mapped_column(String(100), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    visits: Mapped[int] = _count()
    abandoned_ivr: Mapped[int] = _count()
    self_served: Mapped[int] = _count()
    queued: Mapped[int] = _count()
    transferred: Mapped[int] = _count()
    voicemail: Mapped[int] = _count()
    rejected: Mapped[int] = _count()


class ReportCursor(Base):
    """How far a projection has read the event log, and what its projector remembers."""

    __tablename__ = "report_cursors"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Station(Base):
    """An agent's phone: the SIP extension it registers as and its digest credentials.

    SIP digest authentication recomputes the phone's answer from HA1 =
    H(extension:realm:password), so HA1 is kept (MD5 for every softphone, SHA-256 for
    RFC 8760 ones), never the password; a slow hash (Argon2) cannot serve digest. HA1 is
    bound to `realm`: changing the realm means setting the password again. `user_id` is
    the agent whose calls ring here; `auto_answer` asks the phone to answer by itself.
    """

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    extension: Mapped[str] = mapped_column(String(64), unique=True)
    realm: Mapped[str] = mapped_column(String(100))
    ha1_md5: Mapped[str] = mapped_column(String(32))
    ha1_sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


RECORDING_STATES = ("recording", "complete", "converted", "failed", "purged")
RECORDING_SCOPES = ("tenant", "queue", "campaign")
TAG_SOURCES = ("rule", "agent", "analyst")


class RecordingPolicyLayer(Base):
    """A tenant's recording defaults, or a queue's or campaign's overrides of them: a
    partial `centralita.recording.policy.RecordingPolicy` as JSON."""

    __tablename__ = "recording_policies"
    __table_args__ = (
        UniqueConstraint("tenant_id", "scope", "scope_id"),
        CheckConstraint(_in("scope", RECORDING_SCOPES), name="scope"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    scope: Mapped[str] = mapped_column(String(10))
    #: The queue's or campaign's id; 0 for the tenant's own defaults.
    scope_id: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Recording(Base):
    """One recorded file of a call (the whole interaction, or one agent's leg of it).

    `key` is where the storage keeps the file now (the WAV until it is converted, then
    the compressed file); `paused` lists [from, to] seconds from the start that are
    silence because recording was paused. The interaction is not a foreign key: a
    recording may start (from the caller's arrival) before the interaction's row is
    committed by the live center's next group commit.
    """

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(_in("state", RECORDING_STATES), name="state"),
        Index("ix_recordings_tenant_started", "tenant_id", "started_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant_fk()
    interaction_id: Mapped[str] = mapped_column(String(36), index=True)
    leg: Mapped[int] = mapped_column(Integer, default=0)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    channels: Mapped[int] = mapped_column(Integer, default=2)
    format: Mapped[str] = mapped_column(String(10), default="wav")
    key: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="recording")
    paused: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    on_demand: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordingTag(Base):
    """A tag on a recording, with who set it: a rule, the agent, or a quality analyst."""

    __tablename__ = "recording_tags"
    __table_args__ = (
        UniqueConstraint("recording_id", "tag"),
        CheckConstraint(_in("source", TAG_SOURCES), name="source"),
        Index("ix_recording_tags_tag", "tag"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
