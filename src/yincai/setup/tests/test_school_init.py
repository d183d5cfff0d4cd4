"""school_init: everything a school needs from an empty database, in one transaction, exactly once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from yincai.accounts.roles import Role, roles_of
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.school.models import Grade, School, Staff, StaffRole, Term
from yincai.setup.services import SetupError, parse_date, parse_grades, school_init, subject_codes

pytestmark = pytest.mark.usefixtures("empty_school_db")

GOOD: dict[str, Any] = {
    "school_name": "阳光小学", "school_code": "2144000001", "term_name": "2026-2027学年第一学期",
    "start_date": datetime.date(2026, 9, 1), "end_date": datetime.date(2027, 1, 31),
    "admin_username": "zhangxz", "admin_password": "Yangguang#2026", "admin_name": "张校长",
}


def _counts() -> tuple[int, ...]:
    return (School.objects.count(), Term.objects.count(), Grade.objects.count(), Staff.objects.count(),
            get_user_model().objects.count(), KnowledgePoint.objects.count(), Ability.objects.count())


def test_it_creates_school_term_grades_subjects_kps_abilities_and_the_admin() -> None:
    result = school_init(**GOOD, grades=[3, 4, 5, 6], subjects=["chinese", "math", "english", "science", "music"])
    school = School.objects.get()
    assert (school.name, school.code) == ("阳光小学", "2144000001")
    term = Term.objects.get(school=school)
    assert (term.name, term.start_date, term.end_date) == (GOOD["term_name"], GOOD["start_date"], GOOD["end_date"])
    assert list(Grade.objects.filter(school=school).values_list("level", flat=True)) == [3, 4, 5, 6]
    assert [s.name for s in result.subjects] == ["语文", "数学", "英语", "科学", "音乐"]
    leaves = KnowledgePoint.objects.filter(is_unit=False)
    assert leaves.filter(subject__code="math").count() >= 120
    chinese_units = set(KnowledgePoint.objects.filter(subject__code="chinese", is_unit=True).values_list("name", flat=True))
    assert chinese_units == {"识字与写字", "阅读与鉴赏", "表达与交流", "梳理与探究"}
    for grade in range(1, 7):  # every grade and both 册 have all four 语文 domains
        for semester in ("上", "下"):
            kps = leaves.filter(subject__code="chinese", grade_level=grade, semester=semester)
            assert set(kps.values_list("parent__name", flat=True)) == chinese_units
    english = leaves.filter(subject__code="english")
    assert set(english.values_list("grade_level", flat=True)) == {3, 4, 5, 6}  # English starts in grade 3
    assert {"听与看", "说", "读", "写", "语音", "词汇", "语法"} <= set(english.values_list("parent__name", flat=True))
    assert result.kps == {"语文": leaves.filter(subject__code="chinese").count(), "数学": leaves.filter(
        subject__code="math").count(), "英语": english.count()}
    assert set(Ability.objects.filter(subject__code="math").values_list("name", flat=True)) == {"计算", "理解", "应用", "分析"}
    for code in ("chinese", "english", "science"):
        assert set(Ability.objects.filter(subject__code=code).values_list("name", flat=True)) == {"了解", "理解", "掌握", "运用"}
    user = get_user_model().objects.get(username="zhangxz")
    assert user.check_password(GOOD["admin_password"])
    assert user is not None and user.is_superuser
    assert Staff.objects.get(user=user).name == "张校长"
    assert StaffRole.objects.filter(staff__user=user, term=term, role=Role.ADMIN).exists()
    assert Role.ADMIN in roles_of(user)


def test_it_refuses_a_second_school_and_writes_nothing() -> None:
    school_init(**GOOD)
    before = _counts()
    with pytest.raises(SetupError, match="学校已经初始化（阳光小学"):
        school_init(**(GOOD | {"school_code": "OTHER", "admin_username": "other"}))
    assert _counts() == before


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"end_date": datetime.date(2026, 8, 1)}, "end_date", "结束日期必须晚于开始日期"),
    ({"end_date": datetime.date(2028, 1, 31)}, "end_date", "不应超过一年"),
    ({"admin_password": "12345678"}, "admin_password", "数字"),
    ({"admin_password": "abc"}, "admin_password", "8"),
    ({"admin_password": "zhangxz1"}, "admin_password", "相似"),
    ({"school_code": "阳光 小学"}, "school_code", "字母、数字"),
    ({"school_name": " "}, "school_name", "请填写学校名称"),
    ({"admin_username": "张 校长"}, "admin_username", "用户名只能包含"),
])
def test_bad_input_is_refused_in_chinese_and_writes_nothing(change: dict[str, Any], field: str, message: str) -> None:
    before = _counts()
    with pytest.raises(SetupError) as info:
        school_init(**(GOOD | change))
    assert any(message in m for m in info.value.errors[field]), info.value.errors
    assert _counts() == before


def test_an_existing_username_is_refused() -> None:
    get_user_model().objects.create_user(username="zhangxz", password="x")
    with pytest.raises(SetupError, match="已被使用"):
        school_init(**GOOD)
    assert not School.objects.exists()


def test_a_failure_half_way_rolls_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import yincai.setup.services as services

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    before = _counts()
    monkeypatch.setattr(services, "load_kp_tree", broken)  # the last step before the admin account fails
    with pytest.raises(RuntimeError):
        school_init(**GOOD)
    assert _counts() == before


def test_grades_dates_and_subjects_are_read_the_way_people_write_them() -> None:
    assert parse_grades("1-6") == [1, 2, 3, 4, 5, 6]
    assert parse_grades("3～4, 6") == [3, 4, 6]
    for bad in ("7", "6-1", "", "一年级"):
        with pytest.raises(SetupError):
            parse_grades(bad)
    assert parse_date("2026/9/1", "start_date", "开始日期") == datetime.date(2026, 9, 1)
    assert parse_date("2026年9月1日", "start_date", "开始日期") == datetime.date(2026, 9, 1)
    with pytest.raises(SetupError, match="不是有效日期"):
        parse_date("2026-02-30", "start_date", "开始日期")
    assert subject_codes(["数学", "语文", "体育", "math"]) == ["chinese", "math", "pe"]
    with pytest.raises(SetupError, match="未知学科：物理"):
        subject_codes(["物理"])
