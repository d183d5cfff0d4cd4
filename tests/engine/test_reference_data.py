"""The reference data sets ship inside the repository (data/reference/), so every clone runs every test."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from yincai.engine.datasets import reference_data_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["frcsub", "assist09-dkt", "assist2015-pykt"])
def test_each_data_set_is_found_in_the_repository_with_its_source_note(name: str) -> None:
    folder = reference_data_dir(name)
    assert folder == REPO / "data" / "reference" / name
    source = (folder / "SOURCE.md").read_text()
    assert "Licen" in source  # every data set says under which terms it is redistributed


def test_a_missing_data_set_is_an_error_not_a_skip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("YINCAI_SHARED_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no-such-set"):
        reference_data_dir("no-such-set")


def test_the_environment_variable_points_to_another_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "frcsub").mkdir()
    (tmp_path / "frcsub" / "SOURCE.md").write_text("copy")
    monkeypatch.setenv("YINCAI_REFERENCE_DATA", str(tmp_path))
    assert reference_data_dir("frcsub") == tmp_path / "frcsub"


def test_the_pykt_folds_are_readable() -> None:
    with gzip.open(reference_data_dir("assist2015-pykt") / "train_valid.csv.gz", "rt") as fh:
        header = fh.readline().strip()
    assert header.split(",")[:2] == ["fold", "uid"]
