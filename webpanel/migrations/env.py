"""Alembic environment: batch mode so SQLite can alter tables."""

from alembic import context

from webpanel.models import metadata

config = context.config


def run_online() -> None:
    """Run the migrations on the app's engine."""
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_online()
