"""Backup and restore of a whole installation: the database and the uploaded files in one archive.

``yincai backup [FILE]`` writes a ``.tar.gz`` with ``manifest.json`` (format, version, time, database
engine, every table's row count and checksum, every file's checksum), the database (SQLite: a copy
made with SQLite's online backup API while the site keeps running; PostgreSQL: ``pg_dump`` custom
format) and the uploaded files. ``yincai restore FILE`` checks the manifest and the checksums before it
touches anything, refuses to overwrite data without ``--force``, and after restoring compares each
table's row count and checksum with the manifest.
"""
