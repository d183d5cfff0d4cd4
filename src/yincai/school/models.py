"""School structure and people: terms, grades, classes, subjects, staff with roles, students, guardians.

Classes belong to a term (三年级(2)班 of 2026 秋 is a new row next year), and students are placed in a
class per term by Enrolment, so history across terms is kept rather than overwritten.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from yincai.accounts.roles import Role

GRADE_NAMES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级"}


class School(models.Model):
    name = models.CharField("校名", max_length=100)
    code = models.CharField("学校代码", max_length=30, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "学校"

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms", verbose_name="学校")
    name = models.CharField("学期", max_length=50)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")

    class Meta:
        verbose_name = verbose_name_plural = "学期"
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="term_unique_name"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")), name="term_dates"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, on: datetime.date | None = None) -> Term | None:
        """The term containing `on` (today by default), else the latest one that has started.

        Without `on`, asked once per request (the answer is kept for the rest of the request)."""
        if on is None:
            from yincai.requestcache import cached

            return cached("school.Term.current", lambda: cls.current(timezone.localdate()))
        term = cls.objects.filter(start_date__lte=on, end_date__gte=on).order_by("-start_date").first()
        return term or cls.objects.filter(start_date__lte=on).order_by("-start_date").first() or cls.objects.first()

    def previous(self) -> Term | None:
        return Term.objects.filter(school_id=self.school_id, start_date__lt=self.start_date).order_by("-start_date").first()


class Grade(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="grades", verbose_name="学校")
    level = models.PositiveSmallIntegerField("年级", choices=sorted(GRADE_NAMES.items()))

    class Meta:
        verbose_name = verbose_name_plural = "年级"
        ordering = ["level"]
        constraints = [models.UniqueConstraint(fields=["school", "level"], name="grade_unique_level")]

    def __str__(self) -> str:
        return GRADE_NAMES.get(self.level, f"{self.level}年级")

    @property
    def name(self) -> str:
        return str(self)


class Subject(models.Model):
    code = models.SlugField("代码", max_length=20, unique=True)
    name = models.CharField("学科", max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "学科"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="classes", verbose_name="学期")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="classes", verbose_name="年级")
    number = models.PositiveSmallIntegerField("班号")

    class Meta:
        verbose_name = verbose_name_plural = "班级"
        ordering = ["grade__level", "number"]
        constraints = [models.UniqueConstraint(fields=["term", "grade", "number"], name="class_unique_number")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.grade}({self.number})班"

    @property
    def head_teacher(self) -> Staff | None:
        role = self.staff_roles.filter(role=Role.HEAD_TEACHER).select_related("staff").first()
        return role.staff if role else None


class Staff(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="staff", verbose_name="学校")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("电话", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "教职工"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """One role a staff member holds in a term, scoped to a grade, class and/or subject."""

    ROLE_CHOICES = [(r.value, r.label) for r in Role if r not in (Role.STUDENT, Role.PARENT)]

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles", verbose_name="教职工")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="staff_roles", verbose_name="学期")
    role = models.CharField("角色", max_length=20, choices=ROLE_CHOICES)
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, null=True, blank=True, verbose_name="年级")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_roles", verbose_name="班级"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, null=True, blank=True, verbose_name="学科")

    class Meta:
        verbose_name = verbose_name_plural = "教职工角色"
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "term", "role", "grade", "school_class", "subject"],
                name="staffrole_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~models.Q(role="grade_lead") | models.Q(grade__isnull=False), name="grade_lead_has_grade"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="head_teacher") | models.Q(school_class__isnull=False),
                name="head_teacher_has_class",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="subject_teacher")
                | models.Q(school_class__isnull=False, subject__isnull=False),
                name="subject_teacher_has_class_subject",
            ),
        ]

    def __str__(self) -> str:
        scope = " ".join(str(x) for x in (self.grade, self.school_class, self.subject) if x)
        return f"{self.staff} · {self.get_role_display()} {scope}".strip()


class Student(models.Model):
    GENDER_CHOICES = [("M", "男"), ("F", "女")]
    ACTIVE, GRADUATED = "active", "graduated"
    STATUS_CHOICES = [(ACTIVE, "在读"), (GRADUATED, "已毕业")]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="student"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="students", verbose_name="学校")
    student_no = models.CharField("学号", max_length=30)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=GENDER_CHOICES)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    # 学年升级 archives 六年级 graduates: their data stays readable for the school admin, no class, no login.
    status = models.CharField("学籍状态", max_length=12, choices=STATUS_CHOICES, default=ACTIVE)
    graduated_on = models.DateField("毕业日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学生"
        ordering = ["student_no"]
        constraints = [models.UniqueConstraint(fields=["school", "student_no"], name="student_unique_no")]

    def __str__(self) -> str:
        return f"{self.name}({self.student_no})"

    def class_in(self, term: Term) -> SchoolClass | None:
        enrolment = self.enrolments.filter(term=term).select_related("school_class__grade").first()
        return enrolment.school_class if enrolment else None


class Enrolment(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrolments", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="enrolments", verbose_name="学期")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrolments", verbose_name="班级"
    )

    class Meta:
        verbose_name = verbose_name_plural = "学籍(学期分班)"
        constraints = [models.UniqueConstraint(fields=["student", "term"], name="enrolment_one_class_per_term")]

    def __str__(self) -> str:
        return f"{self.student} @ {self.school_class} ({self.term})"


class Guardian(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="guardian"
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("电话", max_length=20, blank=True)
    students = models.ManyToManyField(Student, through="GuardianLink", related_name="guardians")

    class Meta:
        verbose_name = verbose_name_plural = "监护人"

    def __str__(self) -> str:
        return self.name


class GuardianLink(models.Model):
    """A guardian of a student: the relation as a category (for rules) and as the school wrote it (爷爷, 姥姥…)."""

    RELATION_CHOICES = [
        ("father", "父亲"),
        ("mother", "母亲"),
        ("grandfather", "祖父/外祖父"),
        ("grandmother", "祖母/外祖母"),
        ("grandparent", "祖父母/外祖父母"),
        ("stepfather", "继父/养父"),
        ("stepmother", "继母/养母"),
        ("sibling", "兄姐"),
        ("relative", "其他亲属"),
        ("other", "其他监护人"),
    ]
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="links", verbose_name="监护人")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links", verbose_name="学生")
    relation = models.CharField("关系", max_length=20, choices=RELATION_CHOICES)
    relation_word = models.CharField("称谓", max_length=10, blank=True, help_text="花名册上的原词，如 爷爷、外婆、姥姥")
    is_primary = models.BooleanField("主要联系人", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "监护关系"
        constraints = [models.UniqueConstraint(fields=["guardian", "student"], name="guardian_link_unique")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.relation_label})"

    @property
    def relation_label(self) -> str:
        """The school's own word when the roster gave one (外婆), else the category (祖母/外祖母)."""
        return self.relation_word or self.get_relation_display()


class MentorAssignment(models.Model):
    """导师制 / 包人头: a teacher responsible for a student in a term."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    mentor = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="mentees", verbose_name="导师")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="mentors", verbose_name="学生")
    assigned_at = models.DateTimeField("指派时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "导师指派"
        constraints = [models.UniqueConstraint(fields=["term", "mentor", "student"], name="mentor_unique")]

    def __str__(self) -> str:
        return f"{self.mentor} 负责 {self.student}"


class FamilyProfile(models.Model):
    """家庭情况 — sensitive: visible by relationship, every read audited."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="family", verbose_name="学生")
    structure = models.CharField("家庭结构", max_length=50, blank=True)
    parenting_style = models.CharField("教养方式", max_length=50, blank=True)
    atmosphere = models.CharField("家庭氛围", max_length=50, blank=True)
    expectations = models.CharField("家长期望", max_length=100, blank=True)
    notes = models.TextField("情况说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "家庭情况(敏感)"

    def __str__(self) -> str:
        return f"{self.student} 家庭情况"


class PsychNote(models.Model):
    """心理辅导记录 — only counsellors and school admin read these; every read is audited."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="psych_notes", verbose_name="学生")
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="记录人")
    date = models.DateField("日期", default=timezone.localdate)
    content = models.TextField("内容")

    class Meta:
        verbose_name = verbose_name_plural = "心理辅导记录(敏感)"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.student} {self.date}"
