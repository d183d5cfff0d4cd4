"""Class names as schools write them → (grade, class); the old import path from imports.scores still works."""

from __future__ import annotations

import pytest

from yincai.imports.common import parse_class_name
from yincai.imports.parsing import norm_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("四年级1班", (4, 1)), ("四年级(1)班", (4, 1)), ("四年级（1）班", (4, 1)), ("4.1", (4, 1)), ("4-1", (4, 1)),
        ("四(1)", (4, 1)), ("四(1)班", (4, 1)), ("4年级1班", (4, 1)), ("401", (4, 1)), ("401班", (4, 1)),
        ("四年级一班", (4, 1)), ("四年级(十二)班", (4, 12)), ("6.10", (6, 10)), ("612", (6, 12)), ("四1班", (4, 1)),
        ("三年级 2 班", (3, 2)), ("1班", (None, 1)), ("(2)班", (None, 2)),
    ],
)
def test_a_class_name_gives_grade_and_number(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_class_name(text) == expected


def test_full_width_text_reads_the_same_once_normalised() -> None:
    assert parse_class_name(norm_text("４年级（３）班")) == (4, 3)


@pytest.mark.parametrize("text", ["0401", "2104", "4001", "400", "431", "7.1", "七年级1班", "四年级甲班", "12", "", "班"])
def test_codes_that_could_mean_several_things_are_not_guessed(text: str) -> None:
    assert parse_class_name(text) == (None, None)


def test_the_old_import_path_still_works() -> None:
    from yincai.imports import scores

    assert scores.parse_class_name is parse_class_name and scores.CN_DIGITS["四"] == 4
