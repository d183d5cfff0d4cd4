"""`yincai backup [FILE] [--force]` and `yincai restore FILE [--force]` (run by the server's operator)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    b = sub.add_parser("backup", help="备份数据库和上传的文件到一个归档文件（.tar.gz，含清单与校验和）")
    b.add_argument("file", nargs="?", type=Path, help="备份文件（默认 var/backups/yincai-日期-时间.tar.gz）")
    b.add_argument("--force", action="store_true", help="覆盖已存在的同名备份文件")
    b.set_defaults(func=cmd_backup, needs_school=True)
    r = sub.add_parser("restore", help="从备份文件恢复数据库和上传的文件（先校验；覆盖现有数据需 --force）")
    r.add_argument("file", type=Path, help="yincai backup 生成的 .tar.gz 文件")
    r.add_argument("--force", action="store_true", help="覆盖当前数据库和上传文件中的现有数据")
    r.set_defaults(func=cmd_restore, needs_school=False)


def cmd_backup(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.backup.services import BackupError, backup_create

    try:
        path, manifest = backup_create(path=args.file, force=args.force)
    except BackupError as exc:
        print(f"备份失败：{exc}", file=sys.stderr)
        return 1
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"备份完成：{path}（{manifest['engine']}，{len(manifest['tables'])} 张表，{rows} 行，"
          f"{len(manifest['files'])} 个上传文件，{path.stat().st_size / 1e6:.1f} MB）")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from django.core.management import call_command

    from yincai.backup.services import BackupError, restore_archive

    try:
        manifest = restore_archive(path=args.file, force=args.force)
    except BackupError as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"恢复完成：{manifest['created_at']} 的备份，{len(manifest['tables'])} 张表、{rows} 行与清单一致，"
          f"{len(manifest['files'])} 个上传文件。")
    call_command("migrate", interactive=False, verbosity=0)  # a backup from an older version catches up
    return 0
