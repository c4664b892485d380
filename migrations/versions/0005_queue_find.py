"""queue search on the story itself: the current version's text vector and the tags, in one GIN index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00

On PostgreSQL each story carries ``search`` (the tsvector of its current version's title and text)
and ``facets`` (its tags, such as ``theme:treatment``), kept by triggers, with a GIN index over
both for each status. A filtered text search is then one index intersection on one table, instead
of a walk through the queue that reads every candidate version's text vector. SQLite gets the same from an
FTS5 table, ``story_search``, kept by triggers in the same way.
"""
from alembic import op

# The statuses of migration 0001 (the queue's tabs), fixed here as they were when this migration was written.
STATUSES = ("new", "in_review", "changes_requested", "approved", "rejected", "withdrawn")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DOCUMENT = "to_tsvector('english', coalesce(v.title, '') || ' ' || v.text)"

PG_UP = [
    "ALTER TABLE stories ADD COLUMN search tsvector",
    "ALTER TABLE stories ADD COLUMN facets text[] NOT NULL DEFAULT '{}'",
    # A row that grows past 2 kB (a long story's vector) is TOASTed down to 128 bytes, not to 2 kB:
    # the queue's rows stay narrow.
    "ALTER TABLE stories SET (toast_tuple_target = 128)",
    f"UPDATE stories s SET search = {DOCUMENT} FROM story_versions v WHERE v.id = s.current_version_id",
    "UPDATE stories s SET facets = ARRAY(SELECT t.tag FROM story_tags t WHERE t.story_id = s.id ORDER BY t.tag) "
    "WHERE EXISTS (SELECT 1 FROM story_tags t WHERE t.story_id = s.id)",
    # The story's own row: its vector follows current_version_id (and goes when an erasure clears it).
    f"""CREATE FUNCTION stories_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := (SELECT {DOCUMENT} FROM story_versions v WHERE v.id = NEW.current_version_id);
  RETURN NEW;
END $$""",
    "CREATE TRIGGER stories_search_ins BEFORE INSERT ON stories "
    "FOR EACH ROW EXECUTE FUNCTION stories_search_row()",
    "CREATE TRIGGER stories_search_upd BEFORE UPDATE OF current_version_id ON stories FOR EACH ROW "
    "WHEN (OLD.current_version_id IS DISTINCT FROM NEW.current_version_id) EXECUTE FUNCTION stories_search_row()",
    # A version written after the story points at it, or changed in place.
    f"""CREATE FUNCTION story_versions_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stories s SET search = {DOCUMENT} FROM new_rows v WHERE s.current_version_id = v.id;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER story_versions_search_ins AFTER INSERT ON story_versions REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_versions_search()",
    "CREATE TRIGGER story_versions_search_upd AFTER UPDATE ON story_versions REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_versions_search()",
    # Tags added or removed: the story's facets are read again from story_tags. Both triggers name
    # their transition table changed_rows, so one function serves them.
    """CREATE FUNCTION story_tags_facets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stories s SET facets = ARRAY(SELECT t.tag FROM story_tags t WHERE t.story_id = s.id ORDER BY t.tag)
  WHERE s.id IN (SELECT story_id FROM changed_rows);
  RETURN NULL;
END $$""",
    "CREATE TRIGGER story_tags_facets_ins AFTER INSERT ON story_tags REFERENCING NEW TABLE AS changed_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_tags_facets()",
    "CREATE TRIGGER story_tags_facets_del AFTER DELETE ON story_tags REFERENCING OLD TABLE AS changed_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_tags_facets()",
    # One GIN index per queue tab: a search in "New" intersects only the new stories' postings.
    *(f"CREATE INDEX ix_stories_find_{status} ON stories USING gin (facets, search) WHERE status = '{status}'"
      for status in STATUSES),
    # The queue no longer searches versions directly.
    "DROP INDEX IF EXISTS ix_story_versions_search",
    "ALTER TABLE story_versions DROP COLUMN IF EXISTS search",
]

PG_DOWN = [
    "ALTER TABLE story_versions ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(title, '') || ' ' || text)) STORED",
    "CREATE INDEX ix_story_versions_search ON story_versions USING gin (search)",
    *(f"DROP INDEX IF EXISTS ix_stories_find_{status}" for status in STATUSES),
    "DROP TRIGGER IF EXISTS story_tags_facets_del ON story_tags",
    "DROP TRIGGER IF EXISTS story_tags_facets_ins ON story_tags",
    "DROP FUNCTION IF EXISTS story_tags_facets()",
    "DROP TRIGGER IF EXISTS story_versions_search_upd ON story_versions",
    "DROP TRIGGER IF EXISTS story_versions_search_ins ON story_versions",
    "DROP FUNCTION IF EXISTS story_versions_search()",
    "DROP TRIGGER IF EXISTS stories_search_upd ON stories",
    "DROP TRIGGER IF EXISTS stories_search_ins ON stories",
    "DROP FUNCTION IF EXISTS stories_search_row()",
    "ALTER TABLE stories RESET (toast_tuple_target)",
    "ALTER TABLE stories DROP COLUMN IF EXISTS facets",
    "ALTER TABLE stories DROP COLUMN IF EXISTS search",
]


# SQLite: an FTS5 table with a row per story that has a current version (rowid = the story's id),
# holding its tags (each one token: "t" and the tag in hex) and its current title and text.
FACETS = "(SELECT coalesce(group_concat('t' || hex(t.tag), ' '), '') FROM story_tags t WHERE t.story_id = {id})"
BODY = "coalesce(v.title, '') || ' ' || v.text"


def _sqlite_refill(story_id: str, version_id: str) -> str:
    return (f"DELETE FROM story_search WHERE rowid = {story_id}; "
            f"INSERT INTO story_search (rowid, facets, body) SELECT {story_id}, {FACETS.format(id=story_id)}, {BODY} "
            f"FROM story_versions v WHERE v.id = {version_id};")


SQLITE_UP = [
    "CREATE VIRTUAL TABLE story_search USING fts5(facets, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    f"INSERT INTO story_search (rowid, facets, body) SELECT s.id, {FACETS.format(id='s.id')}, {BODY} "
    "FROM stories s JOIN story_versions v ON v.id = s.current_version_id",
    f"CREATE TRIGGER story_search_story_ins AFTER INSERT ON stories BEGIN {_sqlite_refill('NEW.id', 'NEW.current_version_id')} END",
    "CREATE TRIGGER story_search_story_upd AFTER UPDATE OF current_version_id ON stories "
    f"BEGIN {_sqlite_refill('NEW.id', 'NEW.current_version_id')} END",
    "CREATE TRIGGER story_search_story_del AFTER DELETE ON stories BEGIN DELETE FROM story_search WHERE rowid = OLD.id; END",
    # A version written after the story points at it, or changed in place.
    "CREATE TRIGGER story_search_version_ins AFTER INSERT ON story_versions "
    "WHEN EXISTS (SELECT 1 FROM stories WHERE id = NEW.story_id AND current_version_id = NEW.id) "
    f"BEGIN {_sqlite_refill('NEW.story_id', 'NEW.id')} END",
    "CREATE TRIGGER story_search_version_upd AFTER UPDATE OF title, text ON story_versions "
    "WHEN EXISTS (SELECT 1 FROM stories WHERE id = NEW.story_id AND current_version_id = NEW.id) "
    f"BEGIN {_sqlite_refill('NEW.story_id', 'NEW.id')} END",
    "CREATE TRIGGER story_search_tag_ins AFTER INSERT ON story_tags BEGIN "
    f"UPDATE story_search SET facets = {FACETS.format(id='NEW.story_id')} WHERE rowid = NEW.story_id; END",
    "CREATE TRIGGER story_search_tag_del AFTER DELETE ON story_tags BEGIN "
    f"UPDATE story_search SET facets = {FACETS.format(id='OLD.story_id')} WHERE rowid = OLD.story_id; END",
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in (
        "story_search_tag_del", "story_search_tag_ins", "story_search_version_upd", "story_search_version_ins",
        "story_search_story_del", "story_search_story_upd", "story_search_story_ins")),
    "DROP TABLE IF EXISTS story_search",
]


def upgrade() -> None:
    statements = PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = PG_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
