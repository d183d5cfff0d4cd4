"""Build a realistic demo school from `engine.simulate`, with the generating truth kept beside it.

1 school, grades 1–6 × 4 classes × 40–48 students, teachers for 语文/数学/英语, head teachers, grade leads,
mentors, a counsellor and guardians (Faker zh_CN names), and math assessments with item-level scores tagged
with KPs. Deterministic for a given seed.

The school lives through two terms the way a real one does: the previous term (春季, grades 1–5 of today's
cohorts) is built and tested, then the real 学年升级 service (`yincai.rollover`) promotes every class and its
teachers into the current term and archives last term's 六年级 as graduates; then the new 一年级 arrives. Each cohort is simulated over both terms from
one truth (`engine.simulate.simulate_terms`), so a student's results continue across the term change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from yincai.accounts.roles import Role
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.curriculum.services import ensure_math_abilities, ensure_subjects, load_kp_tree
from yincai.demo.models import TrueItemParams, TrueMastery, TrueStudentState
from yincai.engine.simulate import SimulatedCohort, simulate_terms
from yincai.oversight.services import audit_record
from yincai.rollover.services import TOP_GRADE, apply_rollover, plan_rollover
from yincai.school.models import (
    Enrolment,
    FamilyProfile,
    Grade,
    Guardian,
    GuardianLink,
    MentorAssignment,
    PsychNote,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    Subject,
    Term,
)

DEMO_PASSWORD = "yincai2026"
GRADUATING = 7  # cohort key of last term's 六年级 (they would be in "grade 7" now: graduated at the rollover)
# Real primary-school math papers average ~75–85%: shift KP difficulty so the demo looks like one.
DEMO_DIFFICULTY_SHIFT = -1.5
SECTIONS = ["一、填空题", "二、选择题", "三、计算题", "四、操作题", "五、解决问题"]
SECTION_ABILITY = ["understand", "understand", "compute", "analyse", "apply"]
CURRENT_TERM = ("2026-2027学年第一学期", datetime.date(2026, 9, 1), datetime.date(2027, 1, 22), "上")
PREVIOUS_TERM = ("2025-2026学年第二学期", datetime.date(2026, 2, 23), datetime.date(2026, 7, 10), "下")
CURRENT_TESTS = [("diagnostic", "摸底测试", datetime.date(2026, 9, 9)),
                 ("unit", "单元测试", datetime.date(2026, 10, 16)),
                 ("midterm", "期中测试", datetime.date(2026, 11, 13))]
PREVIOUS_TESTS = [("unit", "单元测试", datetime.date(2026, 3, 27)),
                  ("midterm", "期中测试", datetime.date(2026, 4, 28)),
                  ("final", "期末测试", datetime.date(2026, 6, 30))]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    description: str


@dataclass
class DemoResult:
    school: School
    students: int  # enrolled this term
    staff: int
    item_scores: int
    logins: list[DemoLogin] = field(default_factory=list)


class _Builder:
    def __init__(self, *, seed: int, classes_per_grade: int, class_size: tuple[int, int], grades: list[int]):
        self.rng = np.random.default_rng(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.seed = seed
        self.classes_per_grade = classes_per_grade
        self.class_size = class_size
        self.grades_levels = grades
        # today's grades, plus last term's 六年级 (keyed 7) who graduate at the rollover
        self.cohort_levels = grades + ([GRADUATING] if TOP_GRADE in grades else [])
        self.password = make_password(DEMO_PASSWORD)  # hashed once: one PBKDF2 run, not 2,000
        self.User = get_user_model()
        self.used_usernames: set[str] = set()
        self.item_score_count = 0

    # ---- people -------------------------------------------------------------------------------
    def user(self, username: str, *, superuser: bool = False) -> object:
        self.used_usernames.add(username)
        return self.User(
            username=username, password=self.password, is_staff=superuser, is_superuser=superuser, is_active=True
        )

    def staff(self, username: str, *, superuser: bool = False, name: str | None = None) -> Staff:
        user = self.user(username, superuser=superuser)
        user.save()
        return Staff.objects.create(
            user=user, school=self.school, name=name or self.fake.name(), phone=self.fake.phone_number()
        )

    # ---- structure ----------------------------------------------------------------------------
    def build_structure(self) -> None:
        self.school = School.objects.create(name="因材实验小学", code=f"YC{self.seed}")
        name, start, end, _ = PREVIOUS_TERM
        self.prev_term = Term.objects.create(school=self.school, name=name, start_date=start, end_date=end)
        self.subjects = ensure_subjects()
        self.math: Subject = self.subjects["math"]
        ensure_math_abilities(self.math)
        load_kp_tree(subject=self.math)
        self.abilities = {a.code: a for a in Ability.objects.filter(subject=self.math)}
        self.grades = {lv: Grade.objects.create(school=self.school, level=lv) for lv in range(1, 7)}
        # keyed by today's grade: (lv, n) is the class that becomes lv年级(n)班 in the current term
        self.classes: dict[tuple[int, int], SchoolClass] = {}
        self.prev_classes: dict[tuple[int, int], SchoolClass] = {}
        for lv in self.cohort_levels:
            for n in range(1, self.classes_per_grade + 1):
                if lv > 1:
                    self.prev_classes[lv, n] = SchoolClass.objects.create(
                        term=self.prev_term, grade=self.grades[lv - 1], number=n
                    )

    def build_students(self) -> None:
        users, students, enrolments = [], [], []
        self.class_students: dict[tuple[int, int], list[Student]] = {}
        keys = [(lv, n) for lv in self.cohort_levels for n in range(1, self.classes_per_grade + 1)]
        for lv, n in keys:
            size = int(self.rng.integers(self.class_size[0], self.class_size[1] + 1))
            entry_year = 2026 - (lv - 1)
            members = []
            for k in range(1, size + 1):
                no = f"{entry_year}{n:02d}{k:02d}"
                gender = "M" if self.rng.random() < 0.52 else "F"
                name = self.fake.name_male() if gender == "M" else self.fake.name_female()
                age = 6 + lv - 1
                birth = datetime.date(2026 - age - 1, 9, 1) + datetime.timedelta(days=int(self.rng.integers(0, 365)))
                u = self.user(no)
                users.append(u)
                st = Student(school=self.school, student_no=no, name=name, gender=gender, birth_date=birth)
                st._user = u  # type: ignore[attr-defined]
                students.append(st)
                members.append(st)
            self.class_students[lv, n] = members
        self.User.objects.bulk_create(users, batch_size=1000)
        by_name = dict(self.User.objects.filter(username__in=[s.student_no for s in students]).values_list("username", "id"))
        for st in students:
            st.user_id = by_name[st.student_no]
        Student.objects.bulk_create(students, batch_size=1000)
        ids = dict(Student.objects.filter(school=self.school).values_list("student_no", "id"))
        for st in students:
            st.pk = ids[st.student_no]
        for (lv, n), members in self.class_students.items():
            if (lv, n) in self.prev_classes:
                enrolments += [Enrolment(student=st, term=self.prev_term, school_class=self.prev_classes[lv, n])
                               for st in members]
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
        self.build_guardians(students)

    def build_guardians(self, students: list[Student]) -> None:
        users, guardians = [], []
        for st in students:
            relation = "mother" if self.rng.random() < 0.55 else ("father" if self.rng.random() < 0.8 else "grandparent")
            surname = st.name[0]
            gname = surname + self.fake.first_name_male() if relation == "father" else self.fake.name()
            u = self.user(f"p{st.student_no}")
            users.append(u)
            g = Guardian(name=gname, phone=self.fake.phone_number())
            g._relation = relation  # type: ignore[attr-defined]
            g._student = st  # type: ignore[attr-defined]
            g._username = u.username  # type: ignore[attr-defined]
            guardians.append(g)
        self.User.objects.bulk_create(users, batch_size=1000)
        ids = dict(self.User.objects.filter(username__startswith="p").values_list("username", "id"))
        for g in guardians:
            g.user_id = ids[g._username]  # type: ignore[attr-defined]
        Guardian.objects.bulk_create(guardians, batch_size=1000)
        gids = dict(Guardian.objects.filter(user__username__startswith="p").values_list("user__username", "id"))
        GuardianLink.objects.bulk_create(
            [
                GuardianLink(
                    guardian_id=gids[g._username],  # type: ignore[attr-defined]
                    student=g._student,  # type: ignore[attr-defined]
                    relation=g._relation,  # type: ignore[attr-defined]
                    is_primary=True,
                )
                for g in guardians
            ],
            batch_size=2000,
        )

    def build_staff(self) -> None:
        """Staff, and their roles in the previous term: every teacher already teaches the class they follow."""
        self.principal = self.staff("admin", superuser=True, name="王校长")
        self.director = self.staff("jiaodao", superuser=True, name="李主任")
        self.counselor = self.staff("xinli", name="周老师")
        roles = [
            StaffRole(staff=self.principal, term=self.prev_term, role=Role.ADMIN),
            StaffRole(staff=self.director, term=self.prev_term, role=Role.ADMIN),
            StaffRole(staff=self.counselor, term=self.prev_term, role=Role.COUNSELOR),
        ]
        self.mentors: dict[int, Staff] = {}
        self.teachers: dict[int, dict[str, list[Staff]]] = {}
        for lv in self.grades_levels:
            teachers: dict[str, list[Staff]] = {}
            for code in ("chinese", "math"):
                teachers[code] = [self.staff(f"t{lv}{code}{k}") for k in (1, 2)]
            teachers["english"] = [self.staff(f"t{lv}english1")]
            self.teachers[lv] = teachers
            if lv > 1:
                roles += self.teaching_roles(lv, self.prev_term, self.grades[lv - 1], self.prev_classes)
            self.mentors[lv] = self.staff(f"daoshi{lv}")
        if GRADUATING in self.cohort_levels and 1 in self.grades_levels:
            # 大循环: this year's 一年级 teachers taught last year's 六年级 up to graduation
            roles += self.teaching_roles(1, self.prev_term, self.grades[TOP_GRADE], {
                (1, n): self.prev_classes[GRADUATING, n] for n in range(1, self.classes_per_grade + 1)})
        StaffRole.objects.bulk_create(roles)

    def teaching_roles(self, lv: int, term: Term, grade: Grade,
                       classes: dict[tuple[int, int], SchoolClass]) -> list[StaffRole]:
        """语文/数学 teachers two classes each, one English teacher (also 年级组长) and a head teacher per class."""
        teachers = self.teachers[lv]
        roles = []
        for n in range(1, self.classes_per_grade + 1):
            klass = classes[lv, n]
            pair = (n - 1) // 2 % 2
            roles.append(StaffRole(staff=teachers["chinese"][pair], term=term, role=Role.SUBJECT_TEACHER,
                                   school_class=klass, subject=self.subjects["chinese"]))
            roles.append(StaffRole(staff=teachers["math"][pair], term=term, role=Role.SUBJECT_TEACHER,
                                   school_class=klass, subject=self.math))
            roles.append(StaffRole(staff=teachers["english"][0], term=term, role=Role.SUBJECT_TEACHER,
                                   school_class=klass, subject=self.subjects["english"]))
            head = teachers["chinese" if n % 2 else "math"][(n - 1) // 2 % 2]
            roles.append(StaffRole(staff=head, term=term, role=Role.HEAD_TEACHER, school_class=klass))
        roles.append(StaffRole(staff=teachers["english"][0], term=term, role=Role.GRADE_LEAD, grade=grade))
        return roles

    # ---- the term change -----------------------------------------------------------------------
    def roll_over(self) -> None:
        """学年升级 through the real service, then the new 一年级 arrives and mentors are named."""
        name, start, end, _ = CURRENT_TERM
        plan = plan_rollover(from_term=self.prev_term, to_name=name, start=start, end=end, promote=True)
        self.term = apply_rollover(plan=plan).term
        for klass in SchoolClass.objects.filter(term=self.term).select_related("grade"):
            self.classes[klass.grade.level, klass.number] = klass
        roles = [StaffRole(staff=self.mentors[lv], term=self.term, role=Role.MENTOR) for lv in self.grades_levels]
        if 1 in self.grades_levels:
            enrolments = []
            for n in range(1, self.classes_per_grade + 1):
                self.classes[1, n] = SchoolClass.objects.create(term=self.term, grade=self.grades[1], number=n)
                enrolments += [Enrolment(student=st, term=self.term, school_class=self.classes[1, n])
                               for st in self.class_students[1, n]]
            Enrolment.objects.bulk_create(enrolments, batch_size=2000)
            roles += self.teaching_roles(1, self.term, self.grades[1], self.classes)
        StaffRole.objects.bulk_create(roles)

    # ---- assessments ---------------------------------------------------------------------------
    def kps_for(self, level: int, semester: str) -> tuple[list[KnowledgePoint], np.ndarray]:
        kps = list(
            KnowledgePoint.objects.filter(subject=self.math, is_unit=False, grade_level=level, semester=semester)
            .order_by("order")
            .prefetch_related("prerequisites")
        )
        index = {kp.pk: i for i, kp in enumerate(kps)}
        prereq = np.zeros((len(kps), len(kps)), dtype=bool)
        for i, kp in enumerate(kps):
            for p in kp.prerequisites.all():
                if p.pk in index:
                    prereq[i, index[p.pk]] = True
        return kps, prereq

    def simulate_math(self) -> None:
        """Each cohort over its terms from one truth: last term's grade (lv-1, 下) then this term's (lv, 上)."""
        self.simulated: dict[tuple[str, int], tuple[int, list[KnowledgePoint], SimulatedCohort]] = {}
        for lv in self.cohort_levels:
            members = [s for n in range(1, self.classes_per_grade + 1) for s in self.class_students[lv, n]]
            plan = [("current", lv, CURRENT_TERM[3], CURRENT_TESTS)] if lv <= TOP_GRADE else []
            if lv > 1:
                plan.insert(0, ("previous", lv - 1, PREVIOUS_TERM[3], PREVIOUS_TESTS))
            kps_prereq = [self.kps_for(level, semester) for _, level, semester, _ in plan]
            cohorts = simulate_terms(
                n_students=len(members),
                prerequisites=[prereq for _, prereq in kps_prereq],
                n_assessments=[len(tests) for *_, tests in plan],
                items_per_assessment=20,
                kps_per_assessment=8,
                difficulty_shift=DEMO_DIFFICULTY_SHIFT,
                seed=int(self.rng.integers(0, 2**31 - 1)),
            )
            for (which, level, _, _), (kps, _), cohort in zip(plan, kps_prereq, cohorts, strict=True):
                self.simulated[which, lv] = (level, kps, cohort)
        self.current_ability = {
            s.pk: float(a)
            for lv in self.grades_levels
            for s, a in zip([s for n in range(1, self.classes_per_grade + 1) for s in self.class_students[lv, n]],
                            self.simulated["current", lv][2].ability, strict=True)
        }

    def store_math(self, which: str) -> None:
        """The simulated tests of one term (`previous` or `current`) as assessments with item scores."""
        term, tests = (self.prev_term, PREVIOUS_TESTS) if which == "previous" else (self.term, CURRENT_TESTS)
        truths: list[TrueStudentState] = []
        for lv in self.cohort_levels:
            if (which, lv) not in self.simulated:
                continue
            level, kps, cohort = self.simulated[which, lv]
            members = [s for n in range(1, self.classes_per_grade + 1) for s in self.class_students[lv, n]]
            truths += [TrueStudentState(student=s, term=term, ability=float(a), growth=float(g))
                       for s, a, g in zip(members, cohort.ability, cohort.growth, strict=True)]
            for (kind, label, date), sim in zip(tests, cohort.assessments, strict=True):
                self.store_assessment(term, self.grades[level], kind, f"{self.grades[level]}数学{label}", date,
                                      members, kps, sim)
        TrueStudentState.objects.bulk_create(truths, batch_size=2000)

    def store_assessment(self, term: Term, grade: Grade, kind: str, name: str, date: datetime.date,
                         members: list[Student], kps: list[KnowledgePoint], sim: object) -> None:
        assessment = Assessment.objects.create(term=term, grade=grade, subject=self.math, kind=kind, name=name, date=date)
        n_items = sim.q_matrix.shape[0]  # type: ignore[attr-defined]
        section_of = np.minimum(np.arange(n_items) * len(SECTIONS) // n_items, len(SECTIONS) - 1)
        p_correct = np.nanmean(sim.scores / sim.max_scores, axis=0)  # type: ignore[attr-defined]
        items = []
        for j in range(n_items):
            s = int(section_of[j])
            level = "basic" if p_correct[j] >= 0.8 else ("medium" if p_correct[j] >= 0.55 else "challenge")
            items.append(Item(assessment=assessment, label=str(j + 1), section=SECTIONS[s], order=j + 1,
                              max_score=Decimal(int(sim.max_scores[j])),  # type: ignore[attr-defined]
                              item_type=SECTIONS[s][2:], ability=self.abilities[SECTION_ABILITY[s]], level=level))
        Item.objects.bulk_create(items)
        items = list(assessment.items.order_by("order"))
        test_kps = [kps[int(k)] for k in sim.kp_index]  # type: ignore[attr-defined]
        through = Item.knowledge_points.through
        through.objects.bulk_create([
            through(item_id=items[j].pk, knowledgepoint_id=test_kps[k].pk)
            for j, k in zip(*np.nonzero(sim.q_matrix), strict=True)  # type: ignore[attr-defined]
        ])
        TrueItemParams.objects.bulk_create([
            TrueItemParams(item=it, slip=float(sl), guess=float(gu))
            for it, sl, gu in zip(items, sim.slip, sim.guess, strict=True)  # type: ignore[attr-defined]
        ])
        scores = []
        for i, st in enumerate(members):
            absent = bool(sim.absent[i])  # type: ignore[attr-defined]
            for j, it in enumerate(items):
                v = sim.scores[i, j]  # type: ignore[attr-defined]
                if np.isnan(v):
                    scores.append(ItemScore(item=it, student=st, score=None, state="absent" if absent else "blank"))
                else:
                    scores.append(ItemScore(item=it, student=st, score=Decimal(str(round(float(v), 1)))))
        ItemScore.objects.bulk_create(scores, batch_size=5000)
        self.item_score_count += len(scores)
        TrueMastery.objects.bulk_create([
            TrueMastery(student=st, assessment=assessment, knowledge_point=test_kps[k],
                        mastered=bool(sim.mastery[i, k]))  # type: ignore[attr-defined]
            for i, st in enumerate(members) for k in range(len(test_kps))
        ], batch_size=5000)

    def build_other_subjects(self) -> None:
        """A 期中 paper in 语文 and 英语 (section totals, no KP tags yet) so every teacher sees scores."""
        for lv in self.grades_levels:
            members = [s for n in range(1, self.classes_per_grade + 1) for s in self.class_students[lv, n]]
            theta = np.array([self.current_ability[s.pk] for s in members])
            for code, sections in (("chinese", [("基础积累", 30), ("阅读理解", 30), ("习作", 40)]),
                                   ("english", [("听力", 30), ("词汇语法", 40), ("阅读与写作", 30)])):
                a = Assessment.objects.create(term=self.term, grade=self.grades[lv], subject=self.subjects[code],
                                              kind="midterm", name=f"{self.grades[lv]}{self.subjects[code].name}期中测试",
                                              date=datetime.date(2026, 11, 12))
                items = Item.objects.bulk_create([
                    Item(assessment=a, label=str(k + 1), section=sec, order=k + 1, max_score=Decimal(full))
                    for k, (sec, full) in enumerate(sections)
                ])
                rows = []
                noise = self.rng.normal(0, 0.6, size=(len(members), len(items)))
                p = 1 / (1 + np.exp(-(0.9 * theta[:, None] + 1.3 + noise)))
                for i, st in enumerate(members):
                    for j, it in enumerate(items):
                        rows.append(ItemScore(item=it, student=st,
                                              score=Decimal(int(round(p[i, j] * float(it.max_score))))))
                ItemScore.objects.bulk_create(rows, batch_size=5000)
                self.item_score_count += len(rows)

    def build_support_context(self) -> None:
        """Mentees (the six weakest by true ability per grade), some family profiles and counselling notes."""
        mentor_rows, families, notes = [], [], []
        for lv in self.grades_levels:
            members = [s for n in range(1, self.classes_per_grade + 1) for s in self.class_students[lv, n]]
            weakest = sorted(members, key=lambda s: self.current_ability[s.pk])[:6]
            mentor_rows += [MentorAssignment(term=self.term, mentor=self.mentors[lv], student=s) for s in weakest]
            for s in weakest[:3]:
                families.append(FamilyProfile(student=s, structure=str(self.rng.choice(["双亲", "单亲", "隔代抚养"])),
                                              parenting_style=str(self.rng.choice(["放任型", "专制型", "民主型"])),
                                              atmosphere=str(self.rng.choice(["和睦", "一般", "紧张"])),
                                              expectations="希望孩子跟上班级进度",
                                              notes="父母工作忙，作业多由祖辈辅导。"))
            notes.append(PsychNote(student=weakest[0], author=self.counselor, date=datetime.date(2026, 10, 20),
                                   content="学习焦虑较明显，约定每两周面谈一次。"))
        MentorAssignment.objects.bulk_create(mentor_rows)
        FamilyProfile.objects.bulk_create(families)
        PsychNote.objects.bulk_create(notes)

    def logins(self) -> list[DemoLogin]:
        lv = 3 if 3 in self.grades_levels else self.grades_levels[0]
        first = self.class_students[lv, 1][0]
        mentee = MentorAssignment.objects.filter(mentor=self.mentors[lv]).select_related("student").first()
        return [
            DemoLogin(Role.ADMIN.label, "admin", "王校长：全校概览、审计日志、后台管理"),
            DemoLogin(Role.GRADE_LEAD.label, f"t{lv}english1", f"{self.grades[lv]}组长（兼英语）"),
            DemoLogin(Role.HEAD_TEACHER.label, f"t{lv}chinese1", f"{self.classes[lv, 1]}班主任（兼语文）"),
            DemoLogin(Role.SUBJECT_TEACHER.label, f"t{lv}math1", f"{self.classes[lv, 1]}、({2})班数学老师"),
            DemoLogin(Role.MENTOR.label, f"daoshi{lv}",
                      f"导师，负责 {self.grades[lv]} 6 名学生" + (f"（如 {mentee.student.name}）" if mentee else "")),
            DemoLogin(Role.COUNSELOR.label, "xinli", "心理教师：心理辅导记录"),
            DemoLogin(Role.STUDENT.label, first.student_no, f"{first.name}，{self.classes[lv, 1]}"),
            DemoLogin(Role.PARENT.label, f"p{first.student_no}", f"{first.name}的家长"),
        ]


def build_demo_school(
    *, seed: int = 2026, classes_per_grade: int = 4, class_size: tuple[int, int] = (40, 48),
    grades: list[int] | None = None,
) -> DemoResult:
    """Create the demo school in one transaction. Refuses to run twice on the same database."""
    if School.objects.filter(code=f"YC{seed}").exists():
        raise ValueError("演示学校已存在：请使用新的数据库，或先删除 var/yincai.sqlite3")
    builder = _Builder(seed=seed, classes_per_grade=classes_per_grade, class_size=class_size,
                       grades=grades or [1, 2, 3, 4, 5, 6])
    with transaction.atomic():
        builder.build_structure()
        builder.build_students()
        builder.build_staff()
        builder.simulate_math()
        builder.store_math("previous")
        builder.roll_over()
        builder.store_math("current")
        builder.build_other_subjects()
        builder.build_support_context()
        audit_record(action="bulk", model="demo", detail=f"生成演示学校（seed={seed}）")
    # The demo shows the loop populated: diagnosis (tiers, alerts) first, then plans built from it.
    from yincai.insight.services import recompute_school
    from yincai.support.demo import seed_support

    recompute_school(term=builder.prev_term)  # last term's 学习诊断卡 stay readable after the rollover
    recompute_school(term=builder.term)
    confirm_demo_tiers(term=builder.term)
    seed_support(term=builder.term)
    from yincai.homeschool.demo import seed_homeschool  # consents, 家长学校, questionnaire templates

    seed_homeschool(term=builder.term)
    return DemoResult(
        school=builder.school,
        students=Student.objects.filter(school=builder.school, enrolments__term=builder.term).count(),
        staff=Staff.objects.filter(school=builder.school).count(),
        item_scores=builder.item_score_count,
        logins=builder.logins(),
    )


@transaction.atomic
def confirm_demo_tiers(*, term: Term) -> int:
    """What the head teachers did after each round: confirm the proposals, deciding each 边缘 student by the
    point estimate (an override with its reason), so the dashboard's 转化率 and transitions have data."""
    from yincai.insight.models import TierDecision, TierProposal

    latest: dict[tuple[int, int, str], TierProposal] = {}
    for p in TierProposal.objects.filter(term=term).order_by("created_at", "id"):
        latest[(p.student_id, p.subject_id, p.round)] = p
    admin = get_user_model().objects.filter(staff__school=term.school, is_superuser=True).first()
    decisions = []
    for p in latest.values():
        if p.tier == "insufficient" or admin is None:
            continue
        tier = p.point_tier if p.tier == "borderline" else p.tier
        decisions.append(TierDecision(proposal=p, student_id=p.student_id, term=term, subject_id=p.subject_id,
                                      round=p.round, tier=tier, talent=bool(p.talent), is_override=tier != p.tier,
                                      reason="复核：边缘学生按点估计确定" if tier != p.tier else "", decided_by=admin))
    TierDecision.objects.bulk_create(decisions)
    return len(decisions)


def demo_logins_for_existing(*, seed: int = 2026) -> list[DemoLogin] | None:
    """Logins of an already-built demo school (so `make demo` can be run twice), or None."""
    school = School.objects.filter(code=f"YC{seed}").first()
    if school is None:
        return None
    term = Term.current()
    head = StaffRole.objects.filter(term=term, role=Role.HEAD_TEACHER).select_related("staff__user", "school_class__grade")
    first_head = head.order_by("school_class__grade__level", "school_class__number").first()
    klass = first_head.school_class if first_head else None
    student = Student.objects.filter(enrolments__school_class=klass).order_by("student_no").first() if klass else None
    picks = [(Role.ADMIN, "admin", "校长")]
    for role in (Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.MENTOR, Role.COUNSELOR):
        row = StaffRole.objects.filter(term=term, role=role).select_related("staff__user").order_by("id")
        if klass is not None and role in (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER):
            row = row.filter(school_class=klass)
        first = row.first()
        if first:
            picks.append((role, first.staff.user.username, str(first)))
    if student is not None:
        picks.append((Role.STUDENT, student.student_no, f"{student.name}，{klass}"))
        picks.append((Role.PARENT, f"p{student.student_no}", f"{student.name}的家长"))
    return [DemoLogin(role.label, username, desc) for role, username, desc in picks]
