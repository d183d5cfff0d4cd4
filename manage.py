#!/usr/bin/env python
"""Django's command-line utility; `yincai` (src/yincai/cli.py) wraps the everyday commands."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yincai.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
