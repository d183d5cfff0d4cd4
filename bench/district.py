"""Sizing for a district (issue 15): one PostgreSQL database holding 100 schools × 1,000 students.

1. Build: N schools (default 100) × M students (default 1,000): 6 grades, classes of ~42, staff with roles
   (校长, 年级组长, 班主任, 语数英 teachers, 导师, 心理老师), 3 papers per grade per subject with 20 items each
   (数学 items KP-tagged from the PEP tree, simulated by engine.simulate; 语文/英语 5-point items) and every
   item score (PostgreSQL COPY). Prints the build time.
2. Page p95 at 1× and 100×: the measured school's grades are recomputed (`recompute_grade`), then the main
   read pages are requested in-process (django.test.Client, logged in as the school's 校长 with role ADMIN;
   3 warm-up + 30 timed rounds over all pages) while the database holds 1 school, and again after the other
   schools are added. Their diagnosis results (KP mastery, abilities, weak KPs, item statistics, tier
   proposals, alerts, portrait snapshots, jobs) are cloned from the measured school's by SQL with id offsets
   (same structure, so the result tables are 100× as large too, not only the score tables). VACUUM ANALYZE
   before each pass. A third pass at 100× runs with random_page_cost = 1.1 (the usual setting for SSDs).
   Prints p50/p95 per page and the ratio p95(100×)/p95(1×) — indexes must make it flat (≈ 1) — and, since
   timings on a shared machine are noisy, the structural evidence: queries per page, the EXPLAIN ANALYZE time
   of the page's SELECTs and the rows its plans read by sequential scans (flat pages read no more at 100×).
3. A grade recompute of 10,000 students (a district-wide exam: one grade of 238 classes of ~42, 3 数学 papers
   of 20 KP-tagged items) against the same recompute on 1,000 students timed before and after it in the same
   run: students/s and the ratio of the per-student time to the peers' mean (1 = linear).

Known limitation, worked around here: `Term.current()` is not school-scoped (it picks the latest-starting
term containing today, across all schools), and roles are looked up in that term, so staff of any other
school hold no role. The measured school's term starts one day after the others' so it is the one picked.

Needs an empty PostgreSQL database in DATABASE_URL (without one it skips with a message, exit 0; it refuses,
exit 1, a database that already holds a school). Full scale takes ~10 minutes and ~5 GB:

    DATABASE_URL=postgres://postgres@127.0.0.1:54329/yincai_district PYTHONPATH=src \\
        .venv/bin/python bench/district.py [--schools 100 --students-per-school 1000 --exam-students 10000]

Not part of `make test`; bench/run.sh runs it (and it skips there unless DATABASE_URL is PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLASS_SIZE = 42
ITEMS = 20
PAPERS = [("diagnostic", "摸底测试", 70), ("unit", "单元测试", 42), ("midterm", "期中测试", 14)]  # days before today
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "子梓浩宇轩涵欣怡晨阳思雨佳琪一诺博文俊杰雅婷嘉懿明哲若汐诗涵梦瑶天佑沐辰可馨语桐"
PAGES = [
    ("首页 /", "/"),
    ("班级 /classes/<id>/", "/classes/{klass}/"),
    ("学生 /students/<id>/", "/students/{student}/"),
    ("学习诊断卡 /insight/students/<id>/", "/insight/students/{student}/"),
    ("班级画像 /insight/classes/<id>/", "/insight/classes/{klass}/"),
    ("年级画像 /insight/grades/<id>/", "/insight/grades/{grade}/"),
    ("分层 /insight/classes/<id>/tiers/", "/insight/classes/{klass}/tiers/"),
    ("辅导 /support/classes/<id>/", "/support/classes/{klass}/"),
]


def setup() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        print("district bench skipped: needs DATABASE_URL=postgres://… (an empty PostgreSQL database), "
              "e.g. scripts/pg-test.sh start; createdb -h 127.0.0.1 -p 54329 -U postgres yincai_district")
        return False
    os.environ.setdefault("YINCAI_VAR_DIR", tempfile.mkdtemp(prefix="yincai-bench-district-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "yincai.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if "school_school" in connection.introspection.table_names():
        with connection.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM school_school)")
            if cur.fetchone()[0]:  # never migrate or write into a database that holds a school
                raise SystemExit("district bench: the database must be empty (it builds its own schools); "
                                 "use a fresh database")
    call_command("migrate", interactive=False, verbosity=0)
    return True


# ------------------------------------------------------------------------------------------------ build


@dataclass
class Shared:
    """Rows every school uses: subjects, abilities, the math KP tree per grade level."""

    subjects: dict[str, Any]
    abilities: list[Any]
    kps: dict[int, tuple[list[int], np.ndarray]] = field(default_factory=dict)
    password: str = ""


def shared_rows() -> Shared:
    from django.contrib.auth.hashers import make_password

    from yincai.curriculum.models import Ability, KnowledgePoint
    from yincai.curriculum.services import ensure_math_abilities, ensure_subjects, load_kp_tree

    subjects = ensure_subjects()
    ensure_math_abilities(subjects["math"])
    load_kp_tree(subject=subjects["math"])
    out = Shared(subjects=subjects, abilities=list(Ability.objects.filter(subject=subjects["math"]).order_by("pk")),
                 password=make_password("district-bench"))
    for lv in range(1, 7):
        kps = list(KnowledgePoint.objects.filter(subject=subjects["math"], is_unit=False, grade_level=lv,
                                                 semester="上").order_by("order").prefetch_related("prerequisites"))
        index = {kp.pk: i for i, kp in enumerate(kps)}
        pre = np.zeros((len(kps), len(kps)), dtype=bool)
        for i, kp in enumerate(kps):
            for p in kp.prerequisites.all():
                if p.pk in index:
                    pre[i, index[p.pk]] = True
        out.kps[lv] = ([kp.pk for kp in kps], pre)
    return out


def split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if k < n % parts else 0) for k in range(parts)]


def copy_scores(rows: list[tuple[int, int, float | None, str]]) -> None:
    """ItemScore rows through PostgreSQL COPY (one round trip per call)."""
    from django.db import connection

    with connection.cursor() as cur, cur.cursor.copy(
            "COPY assessment_itemscore (item_id, student_id, score, state) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@dataclass
class BuiltSchool:
    school: Any
    term: Any
    grades: dict[int, Any]
    classes: dict[int, list[Any]]
    admin_user: Any
    item_scores: int


class SchoolBuilder:
    def __init__(self, shared: Shared, today: datetime.date):
        self.shared = shared
        self.today = today

    def build(self, idx: int, *, n_students: int, levels: list[int], term_start: datetime.date,
              subjects: tuple[str, ...] = ("chinese", "math", "english"), name: str = "",
              seed: int = 0) -> BuiltSchool:
        from django.contrib.auth import get_user_model
        from django.db import transaction

        from yincai.accounts.roles import Role
        from yincai.school.models import (
            Enrolment,
            Grade,
            School,
            SchoolClass,
            Staff,
            StaffRole,
            Student,
            Term,
        )

        rng = np.random.default_rng(seed or idx + 1)
        user_model = get_user_model()
        with transaction.atomic():
            school = School.objects.create(name=name or f"区第{idx + 1}小学", code=f"D{idx:04d}")
            term = Term.objects.create(school=school, name="2026-2027学年第一学期", start_date=term_start,
                                       end_date=self.today + datetime.timedelta(days=60))
            grades = {g.level: g for g in Grade.objects.bulk_create([Grade(school=school, level=lv) for lv in levels])}
            per_grade = split(n_students, len(levels))
            n_classes = {lv: max(1, round(per_grade[k] / CLASS_SIZE)) for k, lv in enumerate(levels)}
            classes = {lv: SchoolClass.objects.bulk_create([SchoolClass(term=term, grade=grades[lv], number=c + 1)
                                                            for c in range(n_classes[lv])]) for lv in levels}
            students: dict[int, list[list[Any]]] = {}
            flat = []
            for k, lv in enumerate(levels):
                students[lv] = []
                for c, size in enumerate(split(per_grade[k], n_classes[lv])):
                    members = [Student(school=school, student_no=f"{2027 - lv}{c + 1:03d}{s + 1:02d}",
                                       name=SURNAMES[int(rng.integers(len(SURNAMES)))]
                                       + "".join(GIVEN[int(g)] for g in rng.integers(len(GIVEN), size=2)),
                                       gender="M" if rng.random() < 0.52 else "F") for s in range(size)]
                    students[lv].append(members)
                    flat += members
            Student.objects.bulk_create(flat, batch_size=5000)
            Enrolment.objects.bulk_create([Enrolment(student=st, term=term, school_class=classes[lv][c])
                                           for lv in levels for c, members in enumerate(students[lv])
                                           for st in members], batch_size=5000)
            # staff: 校长, 心理老师; per grade 年级组长 and 导师; 语文/数学 teacher per 2 classes, 英语 per 4
            people: list[tuple[str, str]] = [("principal", "校长"), ("counselor", "心理老师")]
            for lv in levels:
                people += [(f"g{lv}lead", "年级组长"), (f"g{lv}mentor", "导师")]
                people += [(f"g{lv}{code}{t}", "教师") for code, per in (("chinese", 2), ("math", 2), ("english", 4))
                           for t in range((n_classes[lv] + per - 1) // per)]
            users = user_model.objects.bulk_create([
                user_model(username=f"d{idx:04d}{key}", password=self.shared.password, is_active=True)
                for key, _ in people])
            staff = dict(zip([key for key, _ in people], Staff.objects.bulk_create([
                Staff(user=u, school=school, name=f"{SURNAMES[i % len(SURNAMES)]}{title}")
                for i, (u, (_, title)) in enumerate(zip(users, people, strict=True))]), strict=True))
            roles = [StaffRole(staff=staff["principal"], term=term, role=Role.ADMIN),
                     StaffRole(staff=staff["counselor"], term=term, role=Role.COUNSELOR)]
            subj = self.shared.subjects
            for lv in levels:
                roles += [StaffRole(staff=staff[f"g{lv}lead"], term=term, role=Role.GRADE_LEAD, grade=grades[lv]),
                          StaffRole(staff=staff[f"g{lv}mentor"], term=term, role=Role.MENTOR)]
                for c, klass in enumerate(classes[lv]):
                    for code, per in (("chinese", 2), ("math", 2), ("english", 4)):
                        roles.append(StaffRole(staff=staff[f"g{lv}{code}{c // per}"], term=term,
                                               role=Role.SUBJECT_TEACHER, school_class=klass, subject=subj[code]))
                    roles.append(StaffRole(staff=staff[f"g{lv}{'chinese' if c % 2 else 'math'}{c // 2}"], term=term,
                                           role=Role.HEAD_TEACHER, school_class=klass))
            StaffRole.objects.bulk_create(roles, batch_size=5000)
            count = self.papers(term, grades, students, levels, subjects, rng)
        return BuiltSchool(school, term, grades, classes, users[0], count)

    def papers(self, term: Any, grades: dict[int, Any], students: dict[int, list[list[Any]]], levels: list[int],
               subjects: tuple[str, ...], rng: np.random.Generator) -> int:
        from yincai.assessment.models import Assessment, Item
        from yincai.engine.simulate import simulate_cohort

        subj = self.shared.subjects
        plan = []  # (assessment, level, code, paper index)
        for lv in levels:
            for code in subjects:
                for p, (kind, label, days) in enumerate(PAPERS):
                    plan.append((Assessment(term=term, grade=grades[lv], subject=subj[code], kind=kind,
                                            name=f"{grades[lv]}{subj[code].name}{label}",
                                            date=self.today - datetime.timedelta(days=days)), lv, code, p))
        Assessment.objects.bulk_create([a for a, *_ in plan])
        sims: dict[int, Any] = {}
        for lv in levels:
            if "math" in subjects:
                kp_ids, pre = self.shared.kps[lv]
                sims[lv] = simulate_cohort(n_students=sum(map(len, students[lv])), prerequisites=pre,
                                           n_assessments=len(PAPERS), items_per_assessment=ITEMS, kps_per_assessment=8,
                                           difficulty_shift=-1.5, seed=int(rng.integers(2**31 - 1)))
        items: list[Any] = []
        for a, lv, code, p in plan:
            if code == "math":
                sim = sims[lv].assessments[p]
                maxes = [int(m) for m in sim.max_scores]
            else:
                maxes = [5] * ITEMS
            for j in range(ITEMS):
                section = j * 5 // ITEMS
                items.append(Item(assessment=a, label=str(j + 1), order=j + 1, max_score=maxes[j],
                                  section=f"第{section + 1}大题",
                                  ability=self.shared.abilities[section % len(self.shared.abilities)]
                                  if code == "math" else None))
        Item.objects.bulk_create(items, batch_size=5000)
        through = Item.knowledge_points.through
        tags, rows = [], []
        for k, (_a, lv, code, p) in enumerate(plan):
            paper_items = items[k * ITEMS:(k + 1) * ITEMS]
            members = [st.pk for members in students[lv] for st in members]
            if code == "math":
                sim = sims[lv].assessments[p]
                kp_ids = self.shared.kps[lv][0]
                tags += [through(item_id=paper_items[j].pk, knowledgepoint_id=kp_ids[int(sim.kp_index[kk])])
                         for j, kk in zip(*np.nonzero(sim.q_matrix), strict=True)]
                scores, absent = sim.scores, sim.absent
            else:
                theta = rng.normal(0, 1, size=len(members))
                prob = 1 / (1 + np.exp(-(theta[:, None] + 1.2 + rng.normal(0, 0.5, size=(len(members), ITEMS)))))
                scores = rng.binomial(5, prob).astype(float)
                absent = rng.random(len(members)) < 0.02
                scores[absent] = np.nan
            for i, sid in enumerate(members):
                for j, it in enumerate(paper_items):
                    v = scores[i, j]
                    rows.append((it.pk, sid, None, "absent" if absent[i] else "blank") if np.isnan(v)
                                else (it.pk, sid, round(float(v), 1), "scored"))
        through.objects.bulk_create(tags, batch_size=5000)
        copy_scores(rows)
        return len(rows)


# ------------------------------------------------------------------------------------------------ diagnosis


def recompute(term: Any, grade: Any) -> float:
    from yincai.insight.services import recompute_grade

    started = time.perf_counter()
    job = recompute_grade(term=term, grade=grade)
    took = time.perf_counter() - started
    if job.status != "done":
        raise SystemExit(f"recompute failed for {grade}: {job.error}")
    return took


def school_ranges(school: Any) -> dict[Any, tuple[int, int]]:
    """(first id, count) of each structural model's rows of `school`, in the order they were created."""
    from django.db.models import Count, Max, Min

    from yincai.assessment.models import Assessment, Item
    from yincai.school.models import Grade, SchoolClass, Staff, Student, Term

    scopes = {Student: {"school": school}, Term: {"school": school}, Grade: {"school": school},
              SchoolClass: {"term__school": school}, Staff: {"school": school},
              Assessment: {"term__school": school}, Item: {"assessment__term__school": school}}
    out = {}
    for model, where in scopes.items():
        agg = model.objects.filter(**where).aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
        if agg["n"] and agg["hi"] - agg["lo"] + 1 != agg["n"]:
            raise SystemExit(f"{model.__name__} ids of {school} are not contiguous: cannot clone results")
        out[model] = (agg["lo"], agg["n"])
    return out


def clone_results(source: Any, targets: list[Any]) -> int:
    """Copy the source school's diagnosis rows to each target school (identical structure: ids at an offset)."""
    from django.db import connection, transaction

    from yincai.assessment.models import Item
    from yincai.insight.models import (
        AbilityEstimate,
        Alert,
        ItemStatistic,
        KPMastery,
        PortraitSnapshot,
        RecomputeJob,
        TierProposal,
        WeakKP,
    )
    from yincai.school.models import Grade, Student, Term

    src = school_ranges(source)
    copied = 0
    for target in targets:
        dst = school_ranges(target)
        if any(dst[m][1] != src[m][1] for m in src):
            raise SystemExit(f"{target} differs in structure from {source}: cannot clone its results")
        off = {m: dst[m][0] - src[m][0] for m in src}
        with transaction.atomic(), connection.cursor() as cur:
            for model in (RecomputeJob, KPMastery, AbilityEstimate, WeakKP, ItemStatistic, TierProposal, Alert,
                          PortraitSnapshot):
                cols, exprs = [], []
                for f in model._meta.concrete_fields:
                    if f.primary_key:
                        continue
                    cols.append(f.column)
                    target_model = f.related_model if f.is_relation else None
                    if target_model in off:
                        exprs.append(f"t.{f.column} + {off[target_model]}")
                    elif target_model is RecomputeJob:
                        exprs.append("j1.id")
                    elif model is PortraitSnapshot and f.name == "object_id":
                        exprs.append(f"CASE WHEN t.kind = 'student' THEN t.object_id + {off[Student]} "
                                     f"ELSE t.object_id + {off[Grade]} END")
                    else:
                        exprs.append(f"t.{f.column}")
                table = model._meta.db_table
                if model is ItemStatistic:
                    lo, n = src[Item]
                    where = f"t.item_id BETWEEN {lo} AND {lo + n - 1}"
                elif model is Alert or any(f.name == "student" for f in model._meta.fields):
                    lo, n = src[Student]
                    where = f"t.student_id BETWEEN {lo} AND {lo + n - 1}"
                else:
                    where = f"t.term_id = {src[Term][0]}"
                join = ""
                if model is not RecomputeJob and any(f.related_model is RecomputeJob for f in model._meta.fields):
                    job_table = RecomputeJob._meta.db_table
                    join = (f" LEFT JOIN {job_table} j0 ON j0.id = t.job_id LEFT JOIN {job_table} j1 "
                            f"ON j1.grade_id = j0.grade_id + {off[Grade]} AND j1.term_id = j0.term_id + {off[Term]}")
                cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "
                            f"FROM {table} t{join} WHERE {where}")
                copied += cur.rowcount
    return copied


# ------------------------------------------------------------------------------------------------ pages


@dataclass
class PageStats:
    p50: float
    p95: float
    queries: int
    db_ms: float  # EXPLAIN ANALYZE execution time of the page's SELECTs
    seq_rows: int  # rows read by sequential scans of tables (>1,000 rows each) in those plans


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _plan_nodes(child))]


def explain_page(client: Any, url: str) -> tuple[int, float, int]:
    """(queries, EXPLAIN ANALYZE ms, rows read by sequential scans) of one request of `url`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    db_ms, seq_rows = 0.0, 0
    with connection.cursor() as cur:
        for q in ctx.captured_queries:
            if not q["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + q["sql"])
            plan = cur.fetchone()[0][0]
            db_ms += plan["Execution Time"]
            for node in _plan_nodes(plan["Plan"]):
                read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                if node["Node Type"] == "Seq Scan" and read > 1000:
                    seq_rows += read * node.get("Actual Loops", 1)
    return len(ctx.captured_queries), db_ms, seq_rows


def measure_pages(user: Any, ids: dict[str, int], repeats: int) -> dict[str, PageStats]:
    """3 warm-up rounds, then `repeats` rounds over all pages (round-robin: a burst of load on the shared
    machine spreads over the pages instead of hitting one), then one request of each page under EXPLAIN."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    urls = {label: pattern.format(**ids) for label, pattern in PAGES}
    times: dict[str, list[float]] = {label: [] for label in urls}
    for k in range(3 + repeats):
        for label, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            took = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            if k >= 3:
                times[label].append(took * 1000)
    out = {}
    for label, url in urls.items():
        t = sorted(times[label])
        out[label] = PageStats(statistics.median(t), t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))],
                               *explain_page(client, url))
    return out


def pad(text: str, width: int) -> str:
    """Left-justify `text` in `width` terminal columns (CJK characters take two)."""
    return text + " " * max(0, width - sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text))


def set_random_page_cost(value: float | None) -> None:
    """ALTER DATABASE … SET random_page_cost (None: RESET), then reconnect so the setting applies."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT current_database()")
        name = cur.fetchone()[0]
        if value is None:
            cur.execute(f'ALTER DATABASE "{name}" RESET random_page_cost')
        else:
            cur.execute(f'ALTER DATABASE "{name}" SET random_page_cost = {float(value)}')
    connection.close()


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # settled tables (visibility map, statistics), as autovacuum leaves them


def database_size() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return str(cur.fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--students-per-school", type=int, default=1000)
    parser.add_argument("--exam-students", type=int, default=10000, help="students of the district-exam grade")
    parser.add_argument("--repeats", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()
    if not setup():
        return 0
    from django.utils import timezone

    from yincai.school.models import Term

    today = timezone.localdate()
    start = today - datetime.timedelta(days=90)
    levels = [1, 2, 3, 4, 5, 6]
    print(f"district sizing: {args.schools} schools × {args.students_per_school} students, 6 grades, classes of "
          f"~{CLASS_SIZE}, 3 subjects × 3 papers × {ITEMS} items per grade; PostgreSQL")

    t0 = time.perf_counter()
    shared = shared_rows()
    builder = SchoolBuilder(shared, today)
    # the measured school's term starts a day later: Term.current() (not school-scoped) picks it
    measured = builder.build(0, n_students=args.students_per_school, levels=levels,
                             term_start=start + datetime.timedelta(days=1))
    t_first = time.perf_counter() - t0
    assert Term.current() == measured.term
    t0 = time.perf_counter()
    recompute_s = [recompute(measured.term, measured.grades[lv]) for lv in levels]
    t_recompute = time.perf_counter() - t0
    print(f"school 1 built in {t_first:.1f} s ({measured.item_scores:,} item scores); its 6 grades recomputed in "
          f"{t_recompute:.1f} s ({', '.join(f'{s:.1f}' for s in recompute_s)})")

    klass = measured.classes[3][0]
    from yincai.school.models import Enrolment

    student = Enrolment.objects.filter(school_class=klass).order_by("student_id").first().student_id
    ids = {"klass": klass.pk, "student": student, "grade": measured.grades[3].pk}
    analyze()
    one = measure_pages(measured.admin_user, ids, args.repeats)

    t0 = time.perf_counter()
    others = []
    scores = measured.item_scores
    for k in range(1, args.schools):
        built = builder.build(k, n_students=args.students_per_school, levels=levels, term_start=start)
        others.append(built.school)
        scores += built.item_scores
        if k % 10 == 0:
            print(f"  … {k + 1} schools, {time.perf_counter() - t0:.0f} s", flush=True)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    cloned = clone_results(measured.school, others)
    t_clone = time.perf_counter() - t0
    analyze()
    total = args.schools * args.students_per_school
    print(f"build: {args.schools} schools, {total:,} students, {scores:,} item scores in "
          f"{t_first + t_build:.0f} s ({scores / (t_first + t_build):,.0f} item scores/s); diagnosis rows of "
          f"school 1 cloned to the others: {cloned:,} rows in {t_clone:.0f} s; database {database_size()}")
    assert Term.current() == measured.term
    many = measure_pages(measured.admin_user, ids, args.repeats)
    set_random_page_cost(1.1)
    try:
        ssd = measure_pages(measured.admin_user, ids, args.repeats)
    finally:
        set_random_page_cost(None)

    n = args.schools
    print(f"\npages of school 1 (in-process django.test.Client as its 校长, 3 warm-up + {args.repeats} rounds), ms;"
          f" {n}× (SSD) = {n}× with random_page_cost = 1.1; DB ms = EXPLAIN ANALYZE of the page's SELECTs;"
          f" seq rows = rows read by sequential scans")
    header = (f"{'page':<36} {'p50 1×':>7} {'p95 1×':>7} {f'p50 {n}×':>8} {f'p95 {n}×':>8} {'ratio':>6} "
              f"{f'p95 {n}×SSD':>10} {'ratio':>6} {'queries':>9} {f'DB ms 1×/{n}×/SSD':>18} "
              f"{f'seq rows 1×/{n}×/SSD':>22}")
    print(header)
    print("-" * len(header))
    for label, _ in PAGES:
        a, b, c = one[label], many[label], ssd[label]
        print(f"{pad(label, 36)} {a.p50:>7.1f} {a.p95:>7.1f} {b.p50:>8.1f} {b.p95:>8.1f} {b.p95 / a.p95:>6.2f} "
              f"{c.p95:>10.1f} {c.p95 / a.p95:>6.2f} {f'{a.queries}/{b.queries}':>9} {f'{a.db_ms:.1f}/{b.db_ms:.1f}/{c.db_ms:.1f}':>18} "
              f"{f'{a.seq_rows}/{b.seq_rows}/{c.seq_rows}':>22}")

    recompute_bench(builder, today, start, args.exam_students)
    return 0


def recompute_bench(builder: SchoolBuilder, today: datetime.date, start: datetime.date, exam: int) -> None:
    """One grade of `exam` students (a district exam) vs the same recompute on 1,000 students, timed before and
    after it (two schools of 1,000: the machine is shared, so the peer brackets the big run)."""
    print(f"\nrecompute_grade end to end: one grade, 3 数学 papers × {ITEMS} KP-tagged items, ~{CLASS_SIZE} per class")
    print(f"{'students':>9} {'classes':>8} {'item scores':>12} {'build s':>8} {'recompute s':>12} {'students/s':>11} "
          f"{'ms/student':>11}")
    built = []
    for k, n in enumerate((1000, exam, 1000)):
        t0 = time.perf_counter()
        built.append((n, builder.build(9000 + k, n_students=n, levels=[5], subjects=("math",), seed=77 + k,
                                       term_start=start - datetime.timedelta(days=1), name=f"区统考{k + 1}（{n}人）"),
                      time.perf_counter() - t0))
    analyze()
    per_student = []
    for n, school, t_build in built:
        took = recompute(school.term, school.grades[5])
        per_student.append(took / n)
        print(f"{n:>9,} {len(school.classes[5]):>8} {school.item_scores:>12,} {t_build:>8.1f} {took:>12.1f} "
              f"{n / took:>11.0f} {1000 * took / n:>11.2f}")
    peer = (per_student[0] + per_student[2]) / 2
    print(f"per-student time ratio ({exam:,} vs the mean of the two 1,000 runs): {per_student[1] / peer:.2f}"
          f"  (1.00 = linear)")


if __name__ == "__main__":
    sys.exit(main())
