"""``flask db upgrade``: Alembic migrations against the configured database."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

def fail(message: str) -> None:
    """A command's refusal: one line on stderr and exit status 1."""
    click.echo(message, err=True)
    sys.exit(1)


db_cli = AppGroup("db", help="Create or upgrade the database schema.")


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Bring the schema up to date (creates it on a new database)."""
    upgrade(revision)
    click.echo(f"Database is at {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    import_models()
    command.revision(alembic_config(), message=message, autogenerate=True)


def import_models() -> None:
    """Import every package's models so the metadata knows all tables."""
    import importlib

    for module in ("core.audit", "stories.models", "moderation.models", "moderation.nlp.models", "pitch.models"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
