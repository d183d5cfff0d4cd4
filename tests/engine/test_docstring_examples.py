"""The Examples sections of the engine's docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from yincai.engine import cdm, irt, practice, simulate, tracking_lr


@pytest.mark.parametrize("module", [simulate, cdm, irt, tracking_lr, practice], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
