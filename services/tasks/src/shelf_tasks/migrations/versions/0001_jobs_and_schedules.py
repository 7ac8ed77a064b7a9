"""jobs, schedules and schedule fires

Revision ID: 0001
Revises:
Created: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = ("scheduled", "available", "running", "retryable", "completed", "discarded", "cancelled")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", Id, nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("lease_expires_at", shelf_kit.db.UtcDateTime(), nullable=True),
        sa.Column("worker_id", sa.String(length=255), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("progress_message", sa.String(length=500), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("updated_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("finished_at", shelf_kit.db.UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            f"state IN ({', '.join(repr(state) for state in STATES)})", name=op.f("ck_jobs_state")
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_jobs_progress")),
        sa.CheckConstraint("attempt >= 0 AND max_attempts >= 1", name=op.f("ck_jobs_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_jobs_idempotency_key")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_jobs_claim", "jobs", ["state", "queue", "priority", "run_at", "id"])

    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("updated_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_schedules_name")),
    )

    op.create_table(
        "schedule_fires",
        sa.Column("id", Id, nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("fire_time", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("job_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            ondelete="CASCADE",
            name=op.f("fk_schedule_fires_schedule_id_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], ondelete="SET NULL", name=op.f("fk_schedule_fires_job_id_jobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_fires")),
        sa.UniqueConstraint(
            "schedule_id", "fire_time", name=op.f("uq_schedule_fires_schedule_id_fire_time")
        ),
    )
    op.create_index(op.f("ix_schedule_fires_job_id"), "schedule_fires", ["job_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_schedule_fires_job_id"), table_name="schedule_fires")
    op.drop_table("schedule_fires")
    op.drop_table("schedules")
    op.drop_index("ix_jobs_claim", table_name="jobs")
    op.drop_table("jobs")
