"""Forgiving KP matching against the real 人教版 math tree, with labels teachers actually write (no database)."""

from __future__ import annotations

import csv

import pytest

from yincai.curriculum.matching import Candidate, KPMatcher, normalise, similarity
from yincai.curriculum.services import PEP_MATH_CSV


def _tree() -> list[Candidate]:
    with PEP_MATH_CSV.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [Candidate(i, r["code"], r["name"], r["unit"], int(r["grade"]), r["semester"],
                      f"U{r['grade']}{'A' if r['semester'] == '上' else 'B'}-{r['unit']}")
            for i, r in enumerate(rows, start=1)]


TREE = _tree()
CODE = {c.id: c.code for c in TREE}


def _codes(ids: tuple[int, ...] | list[int]) -> list[str]:
    return sorted(CODE[i] for i in ids)


def _matcher(grade: int | None = 4, **kwargs: object) -> KPMatcher:
    return KPMatcher(TREE, grade=grade, **kwargs)  # type: ignore[arg-type]


def test_normalise_folds_width_punctuation_and_the_little_words() -> None:
    assert normalise("小数的加法和减法") == normalise("小数加法减法") == "小数加法减法"
    assert normalise("两位数乘两位数（笔算）") == normalise("两位数乘两位数(笔算)") == "两位数乘两位数笔算"
    assert normalise("　角 的 度量。") == "角度量"
    assert normalise("Ｍ４Ａ０５") == "m4a05"


@pytest.mark.parametrize(("label", "codes"), [
    ("角的度量", ["M4A04", "M4A05"]),
    ("除数是两位数的除法", ["M4A10", "M4A11", "M4A12"]),
    ("两位数乘两位数", ["M3B05", "M3B06"]),
    ("大数的认识", ["M4A01", "M4A02"]),
])
def test_a_unit_name_stands_for_all_the_units_kps(label: str, codes: list[str]) -> None:
    m = _matcher().match(label)
    assert m.via == "unit" and _codes(m.kp_ids) == codes


def test_code_and_exact_name_come_before_the_unit() -> None:
    m = _matcher()
    assert m.match("m4a05").via == "code" and _codes(m.match("m4a05").kp_ids) == ["M4A05"]
    assert _codes(m.match("U4A-角的度量").kp_ids) == ["M4A04", "M4A05"]
    # "三位数乘两位数" is both a KP and its unit's name: the KP wins (code, name, alias, unit)
    assert m.match("三位数乘两位数").via == "name" and _codes(m.match("三位数乘两位数").kp_ids) == ["M4A06"]
    # the tree's wording with other brackets or without 的/和 is still the exact name
    assert _codes(m.match("两位数乘两位数（笔算）").kp_ids) == ["M3B06"]
    assert m.match("小数加法和减法").via == "name" and _codes(m.match("小数加法和减法").kp_ids) == ["M4B11"]


def test_an_alias_comes_before_the_unit_and_may_leave_a_label_untagged() -> None:
    ids = tuple(c.id for c in TREE if c.code in ("M4A13", "M4B14"))
    m = _matcher(aliases={"统计": ids, "综合 题": ()})
    assert m.match("统计").via == "alias" and _codes(m.match("统计").kp_ids) == ["M4A13", "M4B14"]
    untagged = m.match("综合题")
    assert untagged.matched and untagged.via == "alias" and untagged.kp_ids == ()
    unit_name = tuple(c.id for c in TREE if c.code == "M4A05")
    assert _codes(_matcher(aliases={"角的度量": unit_name}).match("角的度量").kp_ids) == ["M4A05"]


def test_a_near_miss_gets_the_grades_kp_first() -> None:
    label = "小数的加减法"
    four = _matcher(4).match(label)
    assert not four.matched and [s.code for s in four.suggestions[:2]] == ["M4B11", "M3B11"]
    three = _matcher(3).match(label)
    assert [s.code for s in three.suggestions[:2]] == ["M3B11", "M4B11"]
    assert "您是否指" not in four.suggestions[0].text and "小数的加法和减法（4下" in four.suggestions[0].text


def test_statistics_suggests_the_grades_charts() -> None:
    four = _matcher(4).suggest("统计")
    assert four[0].code == "M4A13" and {s.grade for s in four[:3]} == {4}
    assert _matcher(3).suggest("统计")[0].code == "M3B04"
    assert _matcher(6).suggest("统计")[0].code == "M6A15"


@pytest.mark.parametrize(("typo", "first"), [
    ("除数是两位数的除发", "U4A-除数是两位数的除法"),
    ("平行四边形的面机", "M5A12"),
    ("鸡兔同笼问题", "M4B15"),
    ("试商", "M4A11"),
    ("角的分类", "M4A05"),
    ("运算律", "U4B-运算定律"),
])
def test_typos_and_partial_names_are_suggested(typo: str, first: str) -> None:
    found = _matcher(4).match(typo)
    assert not found.matched and found.suggestions[0].code == first


def test_a_unit_suggestion_names_its_kps_and_one_kp_set_is_offered_once() -> None:
    unit = _matcher(4).suggest("除数是两位数的除发")[0]
    assert unit.kind == "unit" and _codes(unit.kp_ids) == ["M4A10", "M4A11", "M4A12"]
    assert unit.text.startswith("整个单元：除数是两位数的除法（4上")
    sets = [tuple(sorted(s.kp_ids)) for s in _matcher(4).suggest("条形统计")]
    assert len(sets) == len(set(sets))  # the KP 条形统计图 and its one-KP unit are one suggestion


def test_a_name_shared_by_two_units_is_settled_by_the_grade_or_asked() -> None:
    assert _codes(_matcher(5).match("位置").kp_ids) == ["M5A04"]
    assert _codes(_matcher(1).match("位置").kp_ids) == ["M1A03"]
    asked = _matcher(4).match("位置")
    assert not asked.matched and {s.grade for s in asked.suggestions[:2]} == {1, 5}


@pytest.mark.parametrize("junk", ["abc", "三", "N1-01", "—", "", "三年级"])
def test_junk_matches_nothing_and_suggests_nothing_far_fetched(junk: str) -> None:
    found = _matcher(4).match(junk)
    assert not found.matched and found.suggestions == ()


def test_similarity_is_symmetric_and_bounded() -> None:
    pairs = [("小数加减法", "小数加法减法"), ("统计", "条形统计图"), ("abc", "角度量")]
    for a, b in pairs:
        assert similarity(a, b) == similarity(b, a) and 0 <= similarity(a, b) <= 1
    assert similarity("统计", "条形统计图") > similarity("统计", "三角形内角")
