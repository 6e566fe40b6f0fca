"""Everything that survives a restart: database, migrations, queue, links, cursors, tokens."""
