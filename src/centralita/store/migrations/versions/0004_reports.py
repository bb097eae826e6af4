"""Report projections: per-slot queue, agent, pause and IVR counters, sessions, CDRs.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import centralita.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_agent_pauses",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "agent_id", "slot_start", "reason", name=op.f("pk_report_agent_pauses")
        ),
    )
    op.create_table(
        "report_agent_sessions",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column(
            "logged_in_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "logged_out_at", centralita.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "agent_id", "logged_in_at", name=op.f("pk_report_agent_sessions")
        ),
    )
    op.create_table(
        "report_agent_slots",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("available", sa.Float(), nullable=False),
        sa.Column("reserved", sa.Float(), nullable=False),
        sa.Column("talking", sa.Float(), nullable=False),
        sa.Column("on_hold", sa.Float(), nullable=False),
        sa.Column("wrap_up", sa.Float(), nullable=False),
        sa.Column("not_ready", sa.Float(), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("rona", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "agent_id", "slot_start", name=op.f("pk_report_agent_slots")
        ),
    )
    op.create_table(
        "report_calls",
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("arrived_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", centralita.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("first_queue_id", sa.Integer(), nullable=True),
        sa.Column("last_queue_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=False),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("hold_seconds", sa.Float(), nullable=False),
        sa.Column("wrap_seconds", sa.Float(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("overflows", sa.Integer(), nullable=False),
        sa.Column(
            "legs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("interaction_id", name=op.f("pk_report_calls")),
    )
    with op.batch_alter_table("report_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_calls_tenant_arrived", ["tenant_id", "arrived_at"], unique=False
        )

    op.create_table(
        "report_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_cursors")),
    )
    op.create_table(
        "report_ivr_slots",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=100), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("slot_start", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("abandoned_ivr", sa.Integer(), nullable=False),
        sa.Column("self_served", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("transferred", sa.Integer(), nullable=False),
        sa.Column("voicemail", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "flow", "node", "slot_start", name=op.f("pk_report_ivr_slots")
        ),
    )
    op.create_table(
        "report_queue_slots",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("answered_within", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=False),
        sa.Column("overflowed_out", sa.Integer(), nullable=False),
        sa.Column("overflowed_in", sa.Integer(), nullable=False),
        sa.Column("transferred_in", sa.Integer(), nullable=False),
        sa.Column("moved_out", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("callbacks", sa.Integer(), nullable=False),
        sa.Column("waited", sa.Integer(), nullable=False),
        sa.Column("wait_answered", sa.Float(), nullable=False),
        sa.Column("wait_abandoned", sa.Float(), nullable=False),
        sa.Column("max_wait", sa.Float(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("talk", sa.Float(), nullable=False),
        sa.Column("hold", sa.Float(), nullable=False),
        sa.Column("wrap", sa.Float(), nullable=False),
        sa.Column("rona", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "queue_id", "slot_start", name=op.f("pk_report_queue_slots")
        ),
    )


def downgrade() -> None:
    op.drop_table("report_queue_slots")
    op.drop_table("report_ivr_slots")
    op.drop_table("report_cursors")
    with op.batch_alter_table("report_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_report_calls_tenant_arrived")

    op.drop_table("report_calls")
    op.drop_table("report_agent_slots")
    op.drop_table("report_agent_sessions")
    op.drop_table("report_agent_pauses")
