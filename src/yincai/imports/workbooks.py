"""Downloadable import templates (.xlsx): Chinese headers, an instructions sheet, data-validation dropdowns.

Each template is exactly what the matching importer reads, so a filled-in template imports without edits.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yincai.assessment.models import Assessment, Item
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.school.models import Enrolment, Subject

HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ITEM_TYPES = ["选择题", "填空题", "判断题", "计算题", "口算题", "解决问题", "操作题", "作图题"]
MAX_TEMPLATE_ROWS = 2000


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _instructions(wb: Workbook, title: str, lines: list[str]) -> None:
    ws = wb.create_sheet("说明", 0)
    ws.column_dimensions["A"].width = 110
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for line in lines:
        ws.append([line])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True)


def _header(ws: Any, headers: list[str], required: set[str], row: int = 1) -> None:
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=c, value=h)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if h in required else HEAD_FILL
        ws.column_dimensions[get_column_letter(c)].width = max(10, len(h) * 2 + 4)
    ws.freeze_panes = f"A{row + 1}"  # a string: creating the cell would push appended rows down


def _list_validation(ws: Any, column: int, options: list[str], *, first_row: int = 2, strict: bool = True,
                     prompt: str = "") -> None:
    """A dropdown on a column. Long lists go through a hidden sheet (Excel limits inline lists to 255 chars)."""
    inline = ",".join(options)
    if len(inline) <= 250:
        formula = f'"{inline}"'
    else:
        wb = ws.parent
        lists = wb["_选项"] if "_选项" in wb.sheetnames else wb.create_sheet("_选项")
        lists.sheet_state = "hidden"
        col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
        for r, option in enumerate(options, start=1):
            lists.cell(row=r, column=col, value=option)
        letter = get_column_letter(col)
        formula = f"'_选项'!${letter}$1:${letter}${len(options)}"
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict)
    dv.error = "请从下拉列表中选择"
    dv.errorTitle = "输入有误"
    if prompt:
        dv.prompt, dv.showInputMessage = prompt, True
    letter = get_column_letter(column)
    dv.add(f"{letter}{first_row}:{letter}{first_row + MAX_TEMPLATE_ROWS}")
    ws.add_data_validation(dv)


ROSTER_STUDENT_HEADERS = ["学号", "姓名", "性别", "班级", "出生日期", "家长1姓名", "家长1关系", "家长1电话",
                          "家长2姓名", "家长2关系", "家长2电话"]
ROSTER_TEACHER_HEADERS = ["姓名", "用户名", "电话", "任教班级", "角色"]
RELATION_OPTIONS = ["父亲", "母亲", "爷爷", "奶奶", "外公", "外婆", "姥爷", "姥姥", "继父", "继母", "哥哥", "姐姐",
                    "叔叔", "阿姨", "舅舅", "姑姑", "其他"]


def roster_template() -> bytes:
    """One sheet of students with two guardians per row (what a school office keeps) and one of teachers."""
    wb = Workbook()
    wb.remove(wb.active)
    _instructions(wb, "花名册导入模板", [
        "本文件包含两个工作表：学生（每名学生一行，家长信息写在同一行）、教师（每位教师一行）。橙色表头为必填列。",
        "学号在全校唯一；班级写“四年级1班”“四年级(1)班”“四(1)班”“4.1”或“401”都可以，年级从班级名称中读出。",
        "家长：每行最多写两位家长（家长1、家长2，家长1为主要联系人），可以留空。关系可写 父亲、妈妈、爷爷、外婆、姥姥、继父、哥哥、叔叔、其他 等。"
        "电话和姓名都相同的家长视为同一人：兄弟姐妹的家长共用一个家长账号。",
        "也可以直接上传学校自己的花名册：带标题行、合并表头，父亲姓名/父亲电话/母亲姓名/母亲电话，"
        "或 监护人1姓名/监护人1关系/监护人1电话 等写法都能识别；每个班一个工作表也可以。",
        "身份证号、证件号、家庭住址等列不会被读取或保存（保护未成年人信息），预览中会提示已忽略。",
        "教师：任教班级写 “三(1)(2)班 数学”“三年级1、2班 语文”“四(3)班班主任”“三年级组长”，多项用分号隔开；"
        "角色列只在需要时填写：校长/教导处、导师、心理教师。",
        "教师用户名可以不填：已有教师按手机号沿用原用户名，新教师用“t+手机号”（如 t13900000000），预览中会列出。",
        "导入时先显示预览（将新增/修改/不变的内容和所有问题），确认后才写入；有任何问题时不会写入任何数据。",
    ])
    ws = wb.create_sheet("学生")
    _header(ws, ROSTER_STUDENT_HEADERS, {"学号", "姓名", "性别", "班级"})
    ws.append(["20260101", "张小明", "男", "三年级1班", "2017-09-01", "张建国", "父亲", "13800000000",
               "李丽", "母亲", "13900000000"])
    # a second class, so the sample teacher row (三(1)(2)班) imports as it stands
    ws.append(["20260201", "王小红", "女", "三年级2班", "2017-11-20", "王强", "父亲", "13800000001", None, None, None])
    _list_validation(ws, 3, ["男", "女"])
    for col in (7, 10):
        _list_validation(ws, col, RELATION_OPTIONS, strict=False, prompt="可从列表选择，也可自行填写（如 姥姥）")
    for col in (1, 8, 11):
        ws.column_dimensions[get_column_letter(col)].number_format = "@"  # 学号 and phones stay text: no 1.38E+10
    ws = wb.create_sheet("教师")
    _header(ws, ROSTER_TEACHER_HEADERS, {"姓名"})
    ws.column_dimensions["D"].width = 40
    ws.append(["李老师", "lils", "13900000001", "三(1)(2)班 数学；三(1)班班主任", None])
    _list_validation(ws, 5, ["校长/教导处", "年级组长", "班主任", "科任教师", "导师", "心理教师"])
    return _save(wb)


def blueprint_template(assessment: Assessment | None = None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    _instructions(wb, "试卷结构（双向细目表）导入模板", [
        "每道小题一行。题号在本测评内唯一（如 1、2、3 或 一.1）；大题为所属大题名称（如“一、计算”）。",
        "满分为正数，可有一位小数。题型可从下拉列表选择，也可以自行填写。",
        "知识点：填知识点编码或名称，多个用顿号“、”或分号分隔；必须是本学科知识点体系中已有的知识点（见“知识点”工作表）。",
        "能力维度与难度层级从下拉列表选择；难度层级：基础 / 提高 / 拓展。",
        "重新导入同一测评时：题号相同的题会被更新（变化会记录在导入历史中），文件中没有的已有题目保持不变。",
        "如果某题已有学生得分，不能把满分改得比已有得分更低。",
    ])
    ws = wb.create_sheet("试卷结构")
    headers = ["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"]
    _header(ws, headers, {"题号", "满分"})
    ws.column_dimensions["E"].width = 40
    subject = assessment.subject if assessment else Subject.objects.filter(code="math").first()
    if assessment is not None:
        for item in assessment.items.order_by("order").prefetch_related("knowledge_points").select_related("ability"):
            ws.append([item.label, item.section, float(item.max_score), item.item_type,
                       "、".join(kp.code for kp in item.knowledge_points.all()),
                       item.ability.name if item.ability else "", dict(Item.LEVEL_CHOICES).get(item.level, "")])
    _list_validation(ws, 4, ITEM_TYPES, strict=False, prompt="可从列表选择，也可自行填写")
    abilities = list(Ability.objects.filter(subject=subject).values_list("name", flat=True)) if subject else []
    if abilities:
        _list_validation(ws, 6, abilities)
    _list_validation(ws, 7, ["基础", "提高", "拓展"])
    dv = DataValidation(type="decimal", operator="between", formula1="0.1", formula2="999", allow_blank=True,
                        showErrorMessage=True, error="满分应为正数", errorTitle="输入有误")
    dv.add(f"C2:C{2 + MAX_TEMPLATE_ROWS}")
    ws.add_data_validation(dv)
    kps = wb.create_sheet("知识点")
    _header(kps, ["编码", "名称", "年级", "册", "领域"], set())
    if subject is not None:
        qs = KnowledgePoint.objects.filter(subject=subject, is_unit=False).order_by("order")
        if assessment is not None:
            qs = qs.filter(grade_level__lte=assessment.grade.level)
        for kp in qs:
            kps.append([kp.code, kp.name, kp.grade_level, kp.semester, kp.domain])
    return _save(wb)


def scores_template(assessment: Assessment, students: list[Any]) -> bytes:
    """The score sheet for one assessment: 大题 over 小题 headers, one row per student the user may import."""
    items = list(assessment.items.order_by("order"))
    wb = Workbook()
    ws = wb.active
    ws.title = "成绩"
    _instructions(wb, f"小题得分导入模板：{assessment.name}", [
        "每名学生一行，每道小题一列。学号、姓名已按您可录入的班级填好，请勿修改表头。",
        "得分填数字（可有一位小数，不超过该题满分）。缺考、免考、作弊请直接填写这两个字，不要填 0：它们与 0 分含义不同。",
        "某题未作答可留空。整行缺考时只需在第一道题填“缺考”，其余留空。",
        "“总分”列可以留空；填写时系统会核对它是否等于各题之和。",
        "也可以直接上传阅卷系统（智学网、七天、好分数等）导出的小题分表：支持两行表头、合并单元格、全角数字、.xls 和 .csv。",
    ])
    sections = [i.section for i in items]
    two_rows = any(sections)
    meta = ["学号", "姓名", "班级"]
    if two_rows:
        for c, h in enumerate(meta, start=1):
            ws.cell(row=1, column=c, value=h).font = Font(bold=True)
            ws.merge_cells(start_row=1, start_column=c, end_row=2, end_column=c)
        c = len(meta) + 1
        k = 0
        while k < len(items):
            start = k
            while k + 1 < len(items) and items[k + 1].section == items[start].section:
                k += 1
            ws.cell(row=1, column=c + start, value=items[start].section or "其他").font = Font(bold=True)
            if k > start:
                ws.merge_cells(start_row=1, start_column=c + start, end_row=1, end_column=c + k)
            k += 1
        for j, item in enumerate(items):
            ws.cell(row=2, column=c + j, value=item.label).font = Font(bold=True)
        total_col = c + len(items)
        ws.cell(row=1, column=total_col, value="总分").font = Font(bold=True)
        ws.merge_cells(start_row=1, start_column=total_col, end_row=2, end_column=total_col)
        max_row_no = 3
    else:
        _header(ws, meta + [i.label for i in items] + ["总分"], {"学号", "姓名"})
        max_row_no = 2
    ws.cell(row=max_row_no, column=1, value="满分")
    for j, item in enumerate(items):
        ws.cell(row=max_row_no, column=len(meta) + 1 + j, value=float(item.max_score))
    first = max_row_no + 1
    for r, (no, name, klass) in enumerate(students, start=first):
        ws.cell(row=r, column=1, value=no).number_format = "@"
        ws.cell(row=r, column=2, value=name)
        ws.cell(row=r, column=3, value=klass)
    last = first + max(len(students), 1) + 200
    for j, item in enumerate(items):
        letter = get_column_letter(len(meta) + 1 + j)
        ref = f"{letter}{first}"
        dv = DataValidation(
            type="custom",
            formula1=f'OR({ref}="",{ref}="缺考",{ref}="免考",{ref}="作弊",AND(ISNUMBER({ref}),{ref}>=0,'
                     f'{ref}<={float(item.max_score):g}))',
            allow_blank=True, showErrorMessage=True, errorTitle="输入有误",
            error=f"第{item.label}题满分 {float(item.max_score):g}：请填 0~{float(item.max_score):g} 的数字，或 缺考/免考/作弊",
        )
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = f"{get_column_letter(len(meta) + 1)}{first}"
    wb.move_sheet("成绩", offset=-1)
    return _save(wb)


def students_for_template(students: Any, assessment: Assessment) -> list[tuple[str, str, str]]:
    enrol = dict(
        Enrolment.objects.filter(term=assessment.term, student__in=students)
        .select_related("school_class__grade").values_list("student_id", "school_class__number")
    )
    grade = str(assessment.grade)
    return [(s.student_no, s.name, f"{grade}({enrol.get(s.pk, '')})班") for s in students]
