"""Call recordings: their metadata, tags, and the recording policy layers.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import centralita.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scope IN ('tenant', 'queue', 'campaign')", name=op.f("ck_recording_policies_scope")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_recording_policies_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_policies")),
        sa.UniqueConstraint(
            "tenant_id",
            "scope",
            "scope_id",
            name=op.f("uq_recording_policies_tenant_id_scope_scope_id"),
        ),
    )
    with op.batch_alter_table("recording_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recording_policies_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("leg", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("caller_number", sa.String(length=64), nullable=True),
        sa.Column("started_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column(
            "paused",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("on_demand", sa.Boolean(), nullable=False),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("expires_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('recording', 'complete', 'converted', 'failed', 'purged')",
            name=op.f("ck_recordings_state"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_recordings_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_recordings_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_recordings_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_recordings_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_recordings_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recordings_interaction_id"), ["interaction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recordings_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_recordings_tenant_started", ["tenant_id", "started_at"], unique=False
        )

    op.create_table(
        "recording_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("at", centralita.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('rule', 'agent', 'analyst')", name=op.f("ck_recording_tags_source")
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_recording_tags_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_tags")),
        sa.UniqueConstraint("recording_id", "tag", name=op.f("uq_recording_tags_recording_id_tag")),
    )
    with op.batch_alter_table("recording_tags", schema=None) as batch_op:
        batch_op.create_index("ix_recording_tags_tag", ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recording_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_recording_tags_tag")

    op.drop_table("recording_tags")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_tenant_started")
        batch_op.drop_index(batch_op.f("ix_recordings_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_interaction_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_expires_at"))
        batch_op.drop_index(batch_op.f("ix_recordings_contact_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_agent_id"))

    op.drop_table("recordings")
    with op.batch_alter_table("recording_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_policies_tenant_id"))

    op.drop_table("recording_policies")
