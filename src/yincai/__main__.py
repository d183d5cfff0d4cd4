from __future__ import annotations

import sys

from yincai.cli import main

sys.exit(main())
