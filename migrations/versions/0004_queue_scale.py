"""queue at scale: index in queue order, kept tab counts, stored full-text vector

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PG_UP = [
    "ALTER TABLE story_versions ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(title, '') || ' ' || text)) STORED",
    "CREATE INDEX ix_story_versions_search ON story_versions USING gin (search)",
    "DROP INDEX IF EXISTS ix_story_versions_fts",
    """CREATE FUNCTION story_status_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO story_status_counts AS c (status, n) SELECT status, count(*) FROM new_rows GROUP BY status
  ON CONFLICT (status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$""",
    """CREATE FUNCTION story_status_counts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE story_status_counts c SET n = c.n - d.k
  FROM (SELECT status, count(*) AS k FROM old_rows GROUP BY status) d WHERE c.status = d.status;
  RETURN NULL;
END $$""",
    """CREATE FUNCTION story_status_counts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO story_status_counts AS c (status, n)
  SELECT status, sum(k) FROM (SELECT status, 1 AS k FROM new_rows UNION ALL SELECT status, -1 FROM old_rows) d
  GROUP BY status HAVING sum(k) <> 0
  ON CONFLICT (status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER stories_status_counts_ins AFTER INSERT ON stories REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_status_counts_ins()",
    "CREATE TRIGGER stories_status_counts_del AFTER DELETE ON stories REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_status_counts_del()",
    "CREATE TRIGGER stories_status_counts_upd AFTER UPDATE ON stories REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION story_status_counts_upd()",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS stories_status_counts_upd ON stories",
    "DROP TRIGGER IF EXISTS stories_status_counts_del ON stories",
    "DROP TRIGGER IF EXISTS stories_status_counts_ins ON stories",
    "DROP FUNCTION IF EXISTS story_status_counts_upd()",
    "DROP FUNCTION IF EXISTS story_status_counts_del()",
    "DROP FUNCTION IF EXISTS story_status_counts_ins()",
    "DROP INDEX IF EXISTS ix_story_versions_search",
    "ALTER TABLE story_versions DROP COLUMN IF EXISTS search",
    "CREATE INDEX ix_story_versions_fts ON story_versions "
    "USING gin (to_tsvector('english', coalesce(title, '') || ' ' || text))",
]
SQLITE_UP = [
    "CREATE TRIGGER stories_status_counts_ins AFTER INSERT ON stories BEGIN "
    "INSERT INTO story_status_counts (status, n) VALUES (NEW.status, 1) "
    "ON CONFLICT (status) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER stories_status_counts_del AFTER DELETE ON stories BEGIN "
    "UPDATE story_status_counts SET n = n - 1 WHERE status = OLD.status; END",
    "CREATE TRIGGER stories_status_counts_upd AFTER UPDATE OF status ON stories "
    "WHEN OLD.status IS NOT NEW.status BEGIN "
    "UPDATE story_status_counts SET n = n - 1 WHERE status = OLD.status; "
    "INSERT INTO story_status_counts (status, n) VALUES (NEW.status, 1) "
    "ON CONFLICT (status) DO UPDATE SET n = n + 1; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS stories_status_counts_upd",
    "DROP TRIGGER IF EXISTS stories_status_counts_del",
    "DROP TRIGGER IF EXISTS stories_status_counts_ins",
]


def upgrade() -> None:
    # The queue reads "safeguarding first, then oldest": an index in exactly that order
    # lets a page be a short index scan at any size.
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index("ix_stories_queue")
    op.create_index("ix_stories_queue", "stories", ["status", sa.text("safeguarding DESC"), "created_at", "id"])
    # The tabs' counts, kept by triggers, so the queue does not count every story on every request.
    op.create_table(
        "story_status_counts",
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_story_status_counts")),
    )
    op.execute("INSERT INTO story_status_counts (status, n) SELECT status, count(*) FROM stories WHERE 1 = 1 GROUP BY status")
    statements = PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = PG_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_table("story_status_counts")
    op.drop_index("ix_stories_queue", table_name="stories")
    op.create_index("ix_stories_queue", "stories", ["status", "safeguarding", "created_at", "id"])
