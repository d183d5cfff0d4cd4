"""The roster a school office has: one sheet, guardians side by side, a title row, merged headers, the grade in the
class name, the school's own relation words; siblings share one guardian; 身份证号 and addresses never stored."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.personas import Personas
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportBatch
from yincai.imports.services import batch_confirm, batch_create, import_file
from yincai.imports.tests.roster_books import ADDRESS, ID_NUMBER, ID_NUMBER_2, book, fields_holding
from yincai.school.models import Enrolment, Guardian, GuardianLink, SchoolClass, Student

pytestmark = pytest.mark.django_db

TITLE = "阳光小学 2026学年第一学期 四年级学生花名册"


def _import(p: Personas, content: bytes) -> ImportBatch:
    return import_file(user=p.users["wang"], kind="roster", content=content, file_name="花名册.xlsx", term=p.term)


def _refused(p: Personas, content: bytes) -> ImportRefused:
    before = _state()
    with pytest.raises(ImportRefused) as exc:
        _import(p, content)
    assert _state() == before, "a refused roster wrote something"
    return exc.value


def _state() -> tuple[int, ...]:
    return (Student.objects.count(), Enrolment.objects.count(), Guardian.objects.count(),
            GuardianLink.objects.count(), SchoolClass.objects.count(), ImportBatch.objects.count())


def _links(no: str) -> list[tuple[str, str, str, str, bool]]:
    return sorted(GuardianLink.objects.filter(student__student_no=no).values_list(
        "guardian__name", "relation", "relation_word", "guardian__phone", "is_primary"))


def _class_of(no: str) -> tuple[int, int]:
    e = Enrolment.objects.select_related("school_class__grade").get(student__student_no=no)
    return e.school_class.grade.level, e.school_class.number


# 家长姓名 / 关系 / 联系电话 side by side, 身份证号 and 家庭住址 among them, full-width digits, stray spaces
FLAT_HEAD = [["序号", "学 号", "姓  名", "性别", "班级", "出生日期", "身份证号", "家长姓名", "关系", "联系电话", "家庭住址"]]
FLAT_ROWS = [
    [1, "４０２６０００１", " 林 小雨 ", "女", "四年级（１）班", datetime.date(2016, 5, 3), ID_NUMBER, "林大山", "爸爸",
     "139 1111 2222", ADDRESS],
    [2, "40260002", "陈一鸣", "男 ", "四年级1班", "2016/09/01", ID_NUMBER_2, "王 芳", "妈妈", "13922223333", ADDRESS],
    [3, "40260003", "赵小飞", "男", "四年级(2)班", None, None, None, None, None, None],
]


def _flat(rows: list[list[Any]] | None = None, head: list[list[Any]] | None = None) -> bytes:
    return book(("四年级", TITLE, head or FLAT_HEAD, rows if rows is not None else FLAT_ROWS, ()))


def test_a_flat_office_roster_imports_students_with_their_guardians(personas: Personas) -> None:
    batch = _import(personas, _flat())
    assert batch.status == "committed"
    lin = Student.objects.get(student_no="40260001")
    assert (lin.name, lin.gender, lin.birth_date) == ("林小雨", "F", datetime.date(2016, 5, 3))
    assert _class_of("40260001") == (4, 1) and _class_of("40260003") == (4, 2)
    assert _links("40260001") == [("林大山", "father", "爸爸", "13911112222", True)]
    assert _links("40260002") == [("王芳", "mother", "妈妈", "13922223333", True)]
    assert _links("40260003") == []  # an empty guardian cell is allowed
    assert Enrolment.objects.get(student=lin).school_class == personas.class41


def test_identity_numbers_and_addresses_are_ignored_with_one_warning_and_never_stored(personas: Personas) -> None:
    batch = _import(personas, _flat())
    texts = [w["message"] for w in batch.warnings]
    assert texts.count("已忽略：身份证号、家庭住址（不保存，保护未成年人信息）") == 1
    for secret in (ID_NUMBER, ID_NUMBER_2, ADDRESS):
        assert fields_holding(secret) == []
    assert fields_holding("林大山")  # the check itself finds what is stored (the guardian's name)


def test_the_preview_warns_in_the_exact_words_for_one_id_column(personas: Personas) -> None:
    head = [["学号", "姓名", "性别", "班级", "身份证号", "出生日期", "家长姓名", "关系", "联系电话"]]
    rows = [["40260009", "孙小美", "女", "四(1)班", ID_NUMBER, datetime.date(2016, 2, 29), "孙父", "父亲", 13500000009]]
    batch = batch_create(user=personas.users["wang"], kind="roster", content=_flat(rows, head),
                         file_name="花名册.xlsx", term=personas.term)
    assert batch.status == "preview", batch.problems
    assert [w["message"] for w in batch.warnings] == ["已忽略：身份证号（不保存，保护未成年人信息）"]
    assert fields_holding(ID_NUMBER) == []  # not even the kept upload holds it
    batch_confirm(user=personas.users["wang"], batch=batch)  # re-planned from the kept copy without the IDs
    assert Student.objects.get(student_no="40260009").birth_date == datetime.date(2016, 2, 29)
    assert _links("40260009") == [("孙父", "father", "", "13500000009", True)]
    assert fields_holding(ID_NUMBER) == []


# 父亲 and 母亲 merged over 姓名/电话 in a second header row; the two siblings share their parents
MERGED_HEAD = [["学号", "姓名", "性别", "班级", "出生日期", "父亲", None, "母亲", None],
               [None, None, None, None, None, "姓名", "电话", "姓名", "手机"]]
MERGED = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:G2", "H2:I2"]
SIBLINGS = [
    ["40260011", "周大宝", "男", "四(1)班", "2016-03-01", "周 强", "13800001111", "吴丽", "13800002222"],
    ["40260012", "周小宝", "女", "四(2)", "2016-03-01", "周强", "138 0000 1111", "吴丽", "13800002222"],
    ["40260013", "郑一", "男", "4.1", None, None, None, "冯梅", "13800003333"],
]


def _merged(rows: list[list[Any]] | None = None) -> bytes:
    return book(("学生名单", TITLE, MERGED_HEAD, rows or SIBLINGS, MERGED))


def test_two_header_rows_with_merged_father_and_mother_cells(personas: Personas) -> None:
    _import(personas, _merged())
    assert _links("40260011") == [("吴丽", "mother", "", "13800002222", False),
                                  ("周强", "father", "", "13800001111", True)]
    assert _links("40260013") == [("冯梅", "mother", "", "13800003333", True)]
    assert _class_of("40260012") == (4, 2) and _class_of("40260013") == (4, 1)


def test_siblings_share_one_guardian_so_one_parent_login_sees_both(personas: Personas) -> None:
    batch = _import(personas, _merged())
    father = Guardian.objects.get(phone="13800001111")
    assert sorted(father.students.values_list("student_no", flat=True)) == ["40260011", "40260012"]
    assert Guardian.objects.filter(name="吴丽").count() == 1
    assert any("2 位家长关联了多个孩子" in w["message"] for w in batch.warnings)


def test_a_sibling_imported_later_joins_the_guardian_already_there(personas: Personas) -> None:
    _import(personas, _merged(SIBLINGS[:1]))
    _import(personas, _merged(SIBLINGS[1:2]))
    father = Guardian.objects.get(phone="13800001111")
    assert father.students.count() == 2


# 监护人1… / 监护人2… with the school's relation words and every way of writing a class
NUMBERED_HEAD = [["学号", "姓名", "性别", "班级", "监护人1姓名", "监护人1关系", "监护人1电话", "监护人2姓名", "监护人2关系",
                  "监护人2电话"]]
CLASS_TEXTS = ["四年级1班", "四年级(1)班", "4.1", "4-1", "四(1)", "四(1)班", "4年级1班", "401", "四年级一班"]
WORDS = [("外婆", "grandmother"), ("姥姥", "grandmother"), ("外公", "grandfather"), ("姥爷", "grandfather"),
         ("爷爷", "grandfather"), ("奶奶", "grandmother"), ("祖父", "grandfather"), ("外祖母", "grandmother"),
         ("继父", "stepfather")]


def test_every_way_of_writing_a_class_gives_grade_and_number(personas: Personas) -> None:
    rows = [[f"4026002{k}", f"学生{k}", "女", text, f"家长{k}", word, f"1370000000{k}", None, None, None]
            for k, (text, (word, _)) in enumerate(zip(CLASS_TEXTS, WORDS, strict=True))]
    _import(personas, book(("花名册", TITLE, NUMBERED_HEAD, rows, ())))
    for k, text in enumerate(CLASS_TEXTS):
        assert _class_of(f"4026002{k}") == (4, 1), text


def test_the_schools_relation_words_keep_a_category_and_the_word(personas: Personas) -> None:
    more = [("哥哥", "sibling"), ("姐姐", "sibling"), ("叔叔", "relative"), ("阿姨", "relative"), ("舅舅", "relative"),
            ("姑姑", "relative"), ("继母", "stepmother"), ("其他", "other"), ("父亲", "father")]
    rows = [[f"4026003{k}", f"学生{k}", "男", "四(1)班", f"甲{k}", w1, f"1360000000{k}", f"乙{k}", w2, None]
            for k, ((w1, _), (w2, _)) in enumerate(zip(WORDS, more, strict=True))]
    _import(personas, book(("花名册", TITLE, NUMBERED_HEAD, rows, ())))
    got = dict(GuardianLink.objects.filter(student__student_no__startswith="4026003").values_list(
        "relation_word", "relation"))
    expected = {w: r for w, r in WORDS + more if w != "父亲"} | {"": "father"}  # 父亲 names the category itself
    assert got == expected
    link = GuardianLink.objects.get(relation_word="外婆")
    assert (link.relation_label, link.get_relation_display()) == ("外婆", "祖母/外祖母")


@pytest.mark.parametrize(
    "head",
    [
        ["学号", "姓名", "性别", "班级", "父亲姓名", "父亲电话", "母亲姓名", "母亲电话"],
        ["学号", "姓名", "性别", "班级", "父亲姓名", "父亲手机", "母亲姓名", "母亲联系方式"],
        ["学号", "姓名", "性别", "班级", "家长1姓名", "家长1电话", "家长2姓名", "家长2手机"],
        ["学号", "姓名", "性别", "班级", "父亲", "电话", "母亲", "电话"],
    ],
)
def test_parent_columns_by_name_imply_the_relation(personas: Personas, head: list[str]) -> None:
    rows = [["40260041", "钱多多", "男", "四年级1班", "钱进", "135 0000 0001", "孙红", None]]
    _import(personas, book(("花名册", TITLE, [head], rows, ())))
    got = _links("40260041")
    if head[4].startswith("家长"):
        assert got == [("孙红", "other", "", "", False), ("钱进", "other", "", "13500000001", True)]
    else:
        assert got == [("孙红", "mother", "", "", False), ("钱进", "father", "", "13500000001", True)]


def test_a_class_sheet_without_a_class_column_takes_the_class_from_its_title(personas: Personas) -> None:
    rows = [["40260051", "蒋小花", "女", "沈明", "父亲", "13300000001"]]
    _import(personas, book(("Sheet1", "四年级(2)班学生名单", [["学号", "姓名", "性别", "家长姓名", "关系", "联系电话"]],
                            rows, ())))
    assert _class_of("40260051") == (4, 2)


def test_reimporting_the_same_office_roster_changes_nothing(personas: Personas) -> None:
    for content in (_flat(), _merged()):
        _import(personas, content)
        before = (_state()[:5], sorted(GuardianLink.objects.values_list("pk", "guardian_id", "relation",
                                                                          "relation_word", "is_primary")))
        second = _import(personas, content)
        assert second.summary["creates"] == 0 and second.summary["updates"] == 0
        assert second.summary["unchanged"] > 0
        assert (_state()[:5], sorted(GuardianLink.objects.values_list(
            "pk", "guardian_id", "relation", "relation_word", "is_primary"))) == before


def test_a_corrected_guardian_phone_is_an_update_with_history(personas: Personas) -> None:
    _import(personas, _flat())
    rows = [list(r) for r in FLAT_ROWS]
    rows[0][9] = "13911119999"
    batch = _import(personas, _flat(rows))
    assert batch.summary["updates"] == 1
    assert batch.changes.get().new_value == "13911119999"
    assert Guardian.objects.get(name="林大山").phone == "13911119999"


@pytest.mark.parametrize(
    ("change", "where", "expected"),
    [
        ({4: "四年级甲班"}, (3, "E"), "无法识别班级「四年级甲班」"),
        ({4: "0401"}, (3, "E"), "无法识别班级「0401」"),
        ({4: "1"}, (3, "E"), "班级「1」没有写年级"),
        ({4: "七年级1班"}, (3, "E"), "无法识别班级「七年级1班」"),
        ({1: "40260002"}, (4, "B"), "学号 40260002 重复（第3行已有）"),
        ({9: "1391111222"}, (3, "J"), "电话「1391111222」格式不正确"),
        ({8: "邻居"}, (3, "I"), "关系「邻居」无法识别"),
        ({3: "未知"}, (3, "D"), "性别「未知」应为 男 或 女"),
        ({5: "明年"}, (3, "F"), "无法识别日期「明年」"),
    ],
)
def test_bad_rows_are_refused_with_row_and_column_and_nothing_is_written(
        personas: Personas, change: dict[int, Any], where: tuple[int, str], expected: str) -> None:
    rows = [list(r) for r in FLAT_ROWS[:2]]  # Excel rows 3 and 4 (below the title and the header)
    for k, v in change.items():
        rows[0][k] = v
    exc = _refused(personas, _flat(rows))
    problem = next(p for p in exc.problems if expected in p.message)
    assert (problem.row, problem.col, problem.sheet) == (*where, "四年级")
    assert ID_NUMBER not in str(exc) and ID_NUMBER_2 not in str(exc)


def test_a_register_number_holding_an_id_number_is_never_taken_as_the_student_number(personas: Personas) -> None:
    head = [["学籍号", "姓名", "性别", "班级"]]
    exc = _refused(personas, _flat([["G" + ID_NUMBER, "孙小美", "女", "四(1)班"]], head))
    assert "学籍号含身份证号码" in str(exc) and ID_NUMBER not in str(exc)


def test_a_family_phone_after_the_parents_names_goes_to_the_first_parent_without_one(personas: Personas) -> None:
    head = [["学号", "姓名", "性别", "班级", "父亲姓名", "母亲姓名", "联系电话"]]
    rows = [["40260061", "韩梅", "女", "四(1)班", "韩磊", "杨丽", "13100000001"],
            ["40260062", "朱琳", "女", "四(1)班", None, "秦芳", "13100000002"]]
    batch = _import(personas, book(("花名册", TITLE, head, rows, ())))
    assert _links("40260061") == [("杨丽", "mother", "", "", False), ("韩磊", "father", "", "13100000001", True)]
    assert _links("40260062") == [("秦芳", "mother", "", "13100000002", True)]
    assert any("按家庭电话读取" in w["message"] for w in batch.warnings)


def test_a_merged_guardian_block_over_two_guardians(personas: Personas) -> None:
    head = [["学号", "姓名", "性别", "班级", "家长信息", None, None, None, None, None],
            [None, None, None, None, "姓名", "关系", "电话", "姓名", "关系", "电话"]]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:J2"]
    rows = [["40260071", "许诺", "男", "四年级(1)班", "许建", "父亲", "13200000001", "何静", "外婆", "13200000002"]]
    _import(personas, book(("花名册", TITLE, head, rows, merges)))
    assert _links("40260071") == [("何静", "grandmother", "外婆", "13200000002", False),
                                  ("许建", "father", "", "13200000001", True)]


def test_one_sheet_per_class_and_a_number_repeated_across_sheets_is_refused(personas: Personas) -> None:
    head = [["学号", "姓名", "性别", "家长姓名", "关系", "联系电话"]]
    one = ("四(1)班", "四年级(1)班 学生名单", head, [["40260081", "吕一", "男", "吕父", "父亲", "13300000001"]], ())
    two = ("四(2)班", "四年级(2)班 学生名单", head, [["40260082", "吕二", "女", "吕父", "父亲", "13300000001"]], ())
    _import(personas, book(one, two))
    assert (_class_of("40260081"), _class_of("40260082")) == ((4, 1), (4, 2))
    assert Guardian.objects.get(phone="13300000001").students.count() == 2
    clash = ("四(2)班", "四年级(2)班 学生名单", head, [["40260081", "吕二", "女", None, None, None]], ())
    exc = _refused(personas, book(one, clash))
    assert "学号 40260081 重复（工作表「四(1)班」第3行已有）" in str(exc)


def test_a_csv_export_of_the_office_roster_imports_too(personas: Personas) -> None:
    text = "学号,姓名,性别,班级,身份证号,父亲姓名,父亲电话\n40260091,曹操,男,4-1," + ID_NUMBER + ",曹嵩,13400000001\n"
    batch = import_file(user=personas.users["wang"], kind="roster", content=text.encode("gb18030"),
                        file_name="花名册.csv", term=personas.term)
    assert _links("40260091") == [("曹嵩", "father", "", "13400000001", True)]
    assert "已忽略：身份证号（不保存，保护未成年人信息）" in [w["message"] for w in batch.warnings]
    assert fields_holding(ID_NUMBER) == []


def test_a_class_list_exported_by_yincai_imports_back_unchanged(personas: Personas) -> None:
    from yincai.imports.exports import to_csv
    from yincai.imports.selectors import roster_table

    links = sorted(GuardianLink.objects.values_list("pk", "guardian_id", "relation", "relation_word", "is_primary"))
    content = to_csv(roster_table(personas.users["hu"], personas.class31))
    assert "家长1电话" in content.decode("utf-8-sig")
    batch = import_file(user=personas.users["wang"], kind="roster", content=content, file_name="三年级(1)班花名册.csv",
                        term=personas.term)
    assert (batch.summary["creates"], batch.summary["updates"]) == (0, 0)
    assert batch.summary["students"] == 2 and batch.summary["guardians"] == 1
    assert sorted(GuardianLink.objects.values_list("pk", "guardian_id", "relation", "relation_word",
                                                   "is_primary")) == links


def test_the_same_guardian_of_a_child_on_two_sheets_is_refused_not_crashed(personas: Personas) -> None:
    head = [["学号", "姓名", "性别", "班级", "家长姓名", "关系", "联系电话"]]
    students = ("学生", TITLE, head, [["40260101", "白雪", "女", "四(1)班", "白父", "父亲", "13600000001"]], ())
    legacy = ("监护人", "监护人", [["学生学号", "监护人姓名", "关系", "电话"]], [["40260101", "白父", "爸爸", None]], ())
    exc = _refused(personas, book(students, legacy))
    assert "学生 40260101 的监护人「白父」重复" in str(exc)


def test_the_office_roster_goes_through_the_web_preview_and_confirm(personas: Personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    c = Client()
    c.force_login(personas.users["wang"])
    response = c.post("/imports/upload/", {"kind": "roster", "file": SimpleUploadedFile("花名册.xlsx", _merged())})
    batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert "花名册导入预览" in page and "2 位家长关联了多个孩子" in page
    assert not Student.objects.filter(student_no="40260011").exists()
    c.post(f"/imports/batches/{batch.pk}/confirm/")
    assert Guardian.objects.get(phone="13800001111").students.count() == 2


def test_a_sheet_the_roster_does_not_read_is_not_kept_when_it_holds_id_numbers(personas: Personas) -> None:
    extra = ("家庭信息", "家庭信息表", [["序号", "家长身份证号", "工作单位"]], [[1, ID_NUMBER_2, "某公司"]], ())
    batch = _import(personas, book(("四年级", TITLE, FLAT_HEAD, FLAT_ROWS[:1], ()), extra))
    assert "已忽略：身份证号、家庭住址、家长身份证号（不保存，保护未成年人信息）" in [w["message"] for w in batch.warnings]
    assert fields_holding(ID_NUMBER_2) == [] and fields_holding("某公司") == []
