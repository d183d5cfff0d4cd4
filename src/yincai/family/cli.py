"""`yincai family send-outbox [--loop SECONDS]`: send queued 企业微信 messages (cron or a small worker)."""

from __future__ import annotations

import argparse
import time
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("family", help="家校沟通：发送外发队列（企业微信群机器人）")
    p.add_argument("action", choices=["send-outbox"], help="send-outbox=发送到期的排队消息")
    p.add_argument("--loop", type=int, default=0, help="每隔多少秒重复一次（0=只运行一次）")
    p.set_defaults(func=cmd_family, needs_school=True)


def cmd_family(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.family.services import send_outbox

    while True:
        counts = send_outbox()
        print(f"已送达 {counts['sent']} 条，待重试 {counts['retry']} 条，停止重试 {counts['failed']} 条")
        if not args.loop:
            return 0
        time.sleep(max(5, args.loop))
