"""Backup and restore services (see the package docstring). Called by ``yincai backup`` / ``yincai restore``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


@dataclass(frozen=True)
class TableState:
    rows: int
    sha256: str


# --- what there is to back up -------------------------------------------------------------------

def engine() -> str:
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"不支持的数据库类型：{vendor}（仅支持 SQLite 和 PostgreSQL）")
    return vendor


def upload_dirs() -> dict[str, Path]:
    """Folders of uploaded files, by the name they take in the archive (``files/<name>/…``)."""
    var = Path(settings.VAR_DIR)
    media = Path(settings.MEDIA_ROOT) if getattr(settings, "MEDIA_ROOT", "") else var / "media"
    return {"media": media, "uploads": var / "uploads"}


def table_states() -> dict[str, TableState]:
    """Row count and SHA-256 of every table's rows (in a fixed order) of the current database."""
    states: dict[str, TableState] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = connection.ops.quote_name(table)
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # table names come from introspection
            digest, rows = hashlib.sha256(), 0
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    digest.update(repr(tuple(_canonical(v) for v in row)).encode())
                rows += len(batch)
            states[table] = TableState(rows=rows, sha256=digest.hexdigest())
    return states


def _canonical(value: Any) -> Any:
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def default_backup_path() -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"yincai-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


# --- PostgreSQL tools -----------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` of the server's major version (or newer), from Debian's folders or PATH."""
    major = connection.pg_version // 10000  # type: ignore[attr-defined]
    root = Path("/usr/lib/postgresql")
    versions = sorted(int(p.name) for p in root.glob("*") if p.name.isdigit()) if root.is_dir() else []
    for v in [v for v in versions if v >= major]:
        tool = root / str(v) / "bin" / name
        if tool.exists():
            return str(tool)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"找不到 {name}（需要 PostgreSQL {major} 或更新版本的客户端，Debian 包 postgresql-client）")


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} 失败：{result.stderr.strip()[-800:]}")


# --- backup ---------------------------------------------------------------------------------------

def _dump_database(dest: Path, snapshot: str | None) -> str:
    kind = engine()
    if kind == "sqlite":
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30)
        target = sqlite3.connect(str(dest / SQLITE_FILE))
        try:
            with target:
                source.backup(target)  # online backup API: a consistent copy while the site keeps reading
        finally:
            target.close()
            source.close()
        return SQLITE_FILE
    args, env = _pg_args_env()
    snap = [f"--snapshot={snapshot}"] if snapshot else []
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *snap, *args,
          "--file", str(dest / PGDUMP_FILE)], env)
    return PGDUMP_FILE


def backup_create(*, path: Path | None = None, force: bool = False) -> tuple[Path, dict[str, Any]]:
    """Write the archive; return its path and manifest. Refuses to overwrite an archive without ``force``."""
    path = Path(path) if path else default_backup_path()
    if path.exists() and not force:
        raise BackupError(f"文件已存在：{path}。如需覆盖请加 --force。")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="yincai-backup-") as tmp:
        work = Path(tmp)
        # One consistent state: on SQLite the transaction holds the write lock (IMMEDIATE) while the copy
        # is read; on PostgreSQL pg_dump reads the snapshot our REPEATABLE READ transaction counted.
        with transaction.atomic():
            snapshot = None
            if engine() == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
            states = table_states()
            db_file = _dump_database(work, snapshot)
        files = []
        for name, folder in upload_dirs().items():
            if folder.is_dir():
                for f in sorted(p for p in folder.rglob("*") if p.is_file()):
                    files.append({"path": f"files/{name}/{f.relative_to(folder).as_posix()}",
                                  "size": f.stat().st_size, "sha256": _sha256_file(f)})
        manifest = {
            "format": FORMAT,
            "application": "yincai",
            "version": _version(),
            "created_at": timezone.now().isoformat(),
            "engine": engine(),
            "database_file": db_file,
            "database_sha256": _sha256_file(work / db_file),
            "tables": {t: {"rows": s.rows, "sha256": s.sha256} for t, s in states.items()},
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(work / db_file, arcname=db_file)
            for name, folder in upload_dirs().items():
                if folder.is_dir():
                    tar.add(folder, arcname=f"files/{name}")
        partial.replace(path)  # a half-written archive never carries the final name
    return path, manifest


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yincai")
    except PackageNotFoundError:
        return "unknown"


# --- restore --------------------------------------------------------------------------------------

def read_manifest(path: Path) -> dict[str, Any]:
    if not Path(path).is_file():
        raise BackupError(f"找不到备份文件：{path}")
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read().decode())
    except (tarfile.TarError, KeyError, OSError, ValueError, EOFError, zlib.error) as exc:
        raise BackupError(f"不是有效的因材备份文件（{exc}）") from exc
    if manifest.get("application") != "yincai" or manifest.get("format") != FORMAT:
        raise BackupError("备份文件的格式不受支持（不是因材备份，或版本不同）。")
    return manifest


def database_has_data() -> bool:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if "django_migrations" not in tables:
        return False
    return any(state.rows for table, state in table_states().items() if table != "django_migrations")


def _extract_verified(path: Path, manifest: dict[str, Any], dest: Path) -> None:
    try:
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"备份文件已损坏，无法解压（{exc}），未做任何更改。") from exc
    db_file = dest / manifest["database_file"]
    if not db_file.is_file() or _sha256_file(db_file) != manifest["database_sha256"]:
        raise BackupError("备份中的数据库文件缺失或已损坏（校验和不符），未做任何更改。")
    for f in manifest["files"]:
        p = dest / f["path"]
        if not p.is_file() or _sha256_file(p) != f["sha256"]:
            raise BackupError(f"备份中的文件 {f['path']} 缺失或已损坏（校验和不符），未做任何更改。")


def _load_database(manifest: dict[str, Any], folder: Path) -> None:
    connections.close_all()
    if manifest["engine"] == "sqlite":
        target_path = str(settings.DATABASES["default"]["NAME"])
        Path(target_path).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(str(folder / SQLITE_FILE))
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # replaces every page of the target, also under WAL and open readers
        finally:
            target.close()
            source.close()
        return
    args, env = _pg_args_env()
    # one transaction: the objects in the dump are dropped and re-created, or nothing changes
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", *args, str(folder / PGDUMP_FILE)], env)


def _restore_files(folder: Path) -> int:
    count = 0
    for name, target in upload_dirs().items():
        source = folder / "files" / name
        if target.exists():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target)
            count += sum(1 for p in target.rglob("*") if p.is_file())
    return count


def restore_archive(*, path: Path, force: bool = False) -> dict[str, Any]:
    """Restore database and files from ``path``; return the manifest. Refuses to overwrite data unless ``force``.

    Everything is checked before anything is changed: the manifest, the engine, every checksum.
    Afterwards each table's row count and checksum are compared with the manifest.
    """
    manifest = read_manifest(path)
    if manifest["engine"] != engine():
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，当前数据库是 {engine()}，不能直接恢复。")
    if not force and database_has_data():
        raise BackupError("当前数据库已有数据，恢复会覆盖全部数据。确认无误后请加 --force 重试。")
    if not force and any(d.is_dir() and any(d.iterdir()) for d in upload_dirs().values()):
        raise BackupError("上传文件目录中已有文件，恢复会覆盖它们。确认无误后请加 --force 重试。")
    with tempfile.TemporaryDirectory(prefix="yincai-restore-") as tmp:
        work = Path(tmp)
        _extract_verified(path, manifest, work)
        _load_database(manifest, work)
        _restore_files(work)
    problems = compare_with_manifest(manifest)
    if problems:
        raise BackupError("恢复后校验不一致：" + "；".join(problems[:10]))
    return manifest


def compare_with_manifest(manifest: dict[str, Any]) -> list[str]:
    """Differences between the current database and the manifest's tables (empty = identical)."""
    now = table_states()
    problems = []
    for table, expected in manifest["tables"].items():
        state = now.get(table)
        if state is None:
            problems.append(f"缺少数据表 {table}")
        elif state.rows != expected["rows"]:
            problems.append(f"{table}：{state.rows} 行，应为 {expected['rows']} 行")
        elif state.sha256 != expected["sha256"]:
            problems.append(f"{table}：内容校验和不符")
    return problems
