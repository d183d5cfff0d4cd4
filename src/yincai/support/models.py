"""What teachers do after the diagnosis: 一人一案 plans, tutoring sessions, pairs and groups, programs,
observations, points and rewards, meetings. Every step writes history; nothing is overwritten.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import School, SchoolClass, Staff, Student, Subject, Term

# 原因分析 — the seeds' three families of causes (seed 004 §3 原因分析)
CAUSE_CHOICES: list[tuple[str, str]] = [
    ("student_foundation", "学生·基础薄弱"),
    ("student_method", "学生·方法不当"),
    ("student_habit", "学生·习惯不良"),
    ("student_confidence", "学生·缺乏自信"),
    ("student_attention", "学生·注意力不集中"),
    ("family_parenting", "家庭·教养方式"),
    ("family_atmosphere", "家庭·家庭氛围"),
    ("family_expectation", "家庭·家长期望"),
    ("school_teaching", "学校·教学方法"),
    ("school_relationship", "学校·师生关系"),
    ("school_peers", "学校·同伴影响"),
]
CAUSE_LABELS = dict(CAUSE_CHOICES)


class SupportPlan(models.Model):
    """一人一案 / 一生一策 for one student, one subject, one term."""

    KIND_CHOICES = [("catch_up", "辅差转化"), ("enrich", "培优提升")]
    STATUS_CHOICES = [("active", "进行中"), ("achieved", "达成"), ("adjusted", "调整"), ("closed", "结束")]

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="support_plans", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="support_plans", verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES, default="catch_up")
    causes = models.JSONField("原因分析", default=list, blank=True)  # list of CAUSE_CHOICES codes
    cause_notes = models.TextField("原因补充说明", blank=True)
    causes_shared = models.BooleanField("向家长公开原因分析", default=False)
    measures = models.TextField("帮扶措施", blank=True)
    family_note = models.TextField("给家长的话", blank=True)
    responsible = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="responsible_plans", verbose_name="责任教师(包人头)"
    )
    status = models.CharField("状态", max_length=20, choices=STATUS_CHOICES, default="active")
    review_every_days = models.PositiveSmallIntegerField("复查周期(天)", default=14)
    next_review = models.DateField("下次复查")
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name="制定人")
    created_at = models.DateTimeField("制定时间", default=timezone.now)
    version = models.PositiveIntegerField("版本", default=1)  # +1 on every edit/review (oversight.concurrency)

    class Meta:
        verbose_name = verbose_name_plural = "一人一案"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.student.name} · {self.subject} 帮扶计划"

    @property
    def cause_labels(self) -> list[str]:
        return [CAUSE_LABELS.get(c, c) for c in self.causes]

    @property
    def is_overdue(self) -> bool:
        return self.status in ("active", "adjusted") and self.next_review < timezone.localdate()


class PlanGoal(models.Model):
    """A measurable, dated goal, e.g. “分数乘法得分率 ≥ 80% by 12-20”; progress fills in from scores."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals", verbose_name="计划")
    knowledge_point = models.ForeignKey(
        KnowledgePoint, on_delete=models.PROTECT, null=True, blank=True, verbose_name="知识点"
    )
    description = models.CharField("目标", max_length=200)
    target_rate = models.PositiveSmallIntegerField("目标得分率(%)", null=True, blank=True)
    baseline_rate = models.FloatField("起点得分率(%)", null=True, blank=True)
    due = models.DateField("达成期限")
    achieved_at = models.DateField("达成日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "计划目标"
        ordering = ["due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_rate__isnull=True) | models.Q(target_rate__lte=100), name="goal_rate_le_100"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class PlanReview(models.Model):
    KIND_CHOICES = [("biweekly", "双周小结"), ("monthly", "月度复查"), ("final", "期末总结")]

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="reviews", verbose_name="计划")
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="复查人")
    date = models.DateField("日期", default=timezone.localdate)
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES, default="biweekly")
    content = models.TextField("小结内容")
    status_after = models.CharField("复查后状态", max_length=20, choices=SupportPlan.STATUS_CHOICES)

    class Meta:
        verbose_name = verbose_name_plural = "计划复查"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.get_kind_display()} {self.date}"


class ProgressEntry(models.Model):
    """转化记载簿: one line of a student's support history (plan made, session, review, goal met …)."""

    KIND_CHOICES = [
        ("plan", "制定计划"),
        ("goal", "设定目标"),
        ("goal_met", "目标达成"),
        ("mentor", "指派导师"),
        ("session", "辅导"),
        ("review", "复查小结"),
        ("award", "表彰"),
        ("note", "记录"),
    ]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="progress_entries", verbose_name="学生")
    plan = models.ForeignKey(SupportPlan, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="计划")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    date = models.DateField("日期", default=timezone.localdate)
    text = models.CharField("内容", max_length=300)
    author = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "转化记载簿"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date} {self.text}"


class TutoringSession(models.Model):
    KIND_CHOICES = [
        ("after_school", "课后服务"),
        ("one_on_one", "一对一"),
        ("small_group", "小组辅导"),
        ("daily_check", "堂堂清日日清"),
    ]
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    teacher = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="tutoring_sessions", verbose_name="教师")
    kind = models.CharField("形式", max_length=20, choices=KIND_CHOICES)
    date = models.DateField("日期", default=timezone.localdate)
    minutes = models.PositiveSmallIntegerField("时长(分钟)")
    students = models.ManyToManyField(Student, related_name="tutoring_sessions", verbose_name="学生")
    knowledge_points = models.ManyToManyField(KnowledgePoint, blank=True, verbose_name="知识点")
    content = models.TextField("辅导内容")
    outcome = models.TextField("效果", blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "辅导记录"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(minutes__gt=0, minutes__lte=480), name="session_minutes_range")
        ]

    def __str__(self) -> str:
        return f"{self.teacher} {self.get_kind_display()} {self.date}"


class Grouping(models.Model):
    """One saved partition of a class into study groups (组内异质、组间同质); history is kept."""

    METHOD_CHOICES = [("cpsat", "CP-SAT 优化"), ("snake", "蛇形分组"), ("manual", "教师调整")]
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="groupings", verbose_name="班级")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="依据学科")
    n_groups = models.PositiveSmallIntegerField("组数")
    method = models.CharField("方法", max_length=20, choices=METHOD_CHOICES)
    balance = models.JSONField("均衡度", default=dict)
    rule = models.CharField("规则说明", max_length=300, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="保存人")
    created_at = models.DateTimeField("保存时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "学习小组方案"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.n_groups}组 {self.created_at:%Y-%m-%d %H:%M}"


class GroupMember(models.Model):
    grouping = models.ForeignKey(Grouping, on_delete=models.CASCADE, related_name="members", verbose_name="方案")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, verbose_name="学生")
    group_no = models.PositiveSmallIntegerField("组号")

    class Meta:
        verbose_name = verbose_name_plural = "小组成员"
        ordering = ["group_no", "student__student_no"]
        constraints = [models.UniqueConstraint(fields=["grouping", "student"], name="group_member_once")]

    def __str__(self) -> str:
        return f"第{self.group_no}组 {self.student.name}"


class PeerPair(models.Model):
    """一帮一 / 多帮一: a student tutor and a tutee, with the KPs the pair works on."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="peer_pairs", verbose_name="班级")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    tutor = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="tutoring_pairs", verbose_name="小老师")
    tutee = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="tutored_pairs", verbose_name="被帮扶学生")
    benefit = models.FloatField("互补度", default=0)
    preferred = models.BooleanField("学生自选", default=False)
    focus = models.CharField("重点知识点", max_length=300, blank=True)
    active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "一帮一结对"
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.tutor.name} 帮 {self.tutee.name}"


# ----------------------------------------------------------------------------------------- incentives


class PointsEntry(models.Model):
    """积分账本: one signed line; the balance is the sum, nothing is overwritten."""

    SOURCE_CHOICES = [
        ("teacher", "教师奖励"),
        ("goal", "计划目标达成"),
        ("self_goal", "自定目标达成"),
        ("award", "获得表彰"),
        ("redeem", "兑换奖励"),
        ("practice_streak", "口算连续打卡"),  # written by practice (PracticeAward)
        ("personal_best", "口算个人最好成绩"),
    ]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="points", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    points = models.IntegerField("积分")
    reason = models.CharField("原因", max_length=200)
    source = models.CharField("来源", max_length=20, choices=SOURCE_CHOICES)
    awarded_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="发放人")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "积分记录"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(points=0), name="points_nonzero")]

    def __str__(self) -> str:
        return f"{self.student.name} {self.points:+d} {self.reason}"


class Reward(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rewards", verbose_name="学校")
    name = models.CharField("奖励", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    cost = models.PositiveIntegerField("所需积分")
    stock = models.PositiveIntegerField("库存")
    active = models.BooleanField("上架", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "奖励目录"
        ordering = ["cost", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gt=0), name="reward_cost_positive")]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name="奖励")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="redemptions", verbose_name="学生")
    points = models.PositiveIntegerField("消耗积分")
    created_at = models.DateTimeField("兑换时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "兑换记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.student.name} 兑换 {self.reward}"


class Award(models.Model):
    """表彰 / 闪光时刻 shown on the 荣誉墙; academic awards come from measured progress, never raw rank."""

    KIND_CHOICES = [
        ("most_improved", "进步最快奖"),
        ("progress", "学业进步生"),
        ("ten_stars", "班级十星"),
        ("conduct", "品德优秀生"),
        ("highlight", "闪光时刻"),
    ]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="awards", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    citation = models.CharField("事迹", max_length=200)
    evidence = models.CharField("依据", max_length=200, blank=True)
    awarded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="颁发人")
    date = models.DateField("日期", default=timezone.localdate)

    class Meta:
        verbose_name = verbose_name_plural = "表彰(荣誉墙)"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.get_kind_display()}"


class SelfGoal(models.Model):
    """自定目标: a goal the student sets; a teacher confirms it was met and points follow."""

    STATUS_CHOICES = [("open", "进行中"), ("met", "已达成"), ("dropped", "已放弃")]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="self_goals", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    text = models.CharField("我的目标", max_length=120)
    due = models.DateField("期限")
    points = models.PositiveSmallIntegerField("达成奖励积分", default=5)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="open")
    confirmed_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="确认教师")
    created_at = models.DateTimeField("设定时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "自定目标"
        ordering = ["status", "due"]

    def __str__(self) -> str:
        return f"{self.student.name}: {self.text}"


# ------------------------------------------------------------------------------- meetings & programs


class Meeting(models.Model):
    KIND_CHOICES = [("monthly", "月度转化会"), ("biweekly", "双周小结会"), ("parents", "家长座谈会"), ("other", "其他")]
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    title = models.CharField("主题", max_length=100)
    date = models.DateField("日期")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, verbose_name="班级(空=全校)"
    )
    minutes = models.TextField("会议纪要", blank=True)
    decisions = models.TextField("决议", blank=True)
    students = models.ManyToManyField(Student, blank=True, related_name="support_meetings", verbose_name="讨论的学生")
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="记录人")

    class Meta:
        verbose_name = verbose_name_plural = "会议"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.title}({self.date})"


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions", verbose_name="会议")
    text = models.CharField("待办事项", max_length=200)
    owner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="action_items", verbose_name="负责人")
    due = models.DateField("期限")
    done_at = models.DateField("完成日期", null=True, blank=True)
    follow_up = models.CharField("落实情况", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "会议待办"
        ordering = ["done_at", "due"]

    def __str__(self) -> str:
        return self.text


class Program(models.Model):
    """数学思维俱乐部, 智慧树, 阳光伙伴, 闯关集星, 闪光时刻, PBL 项目 …"""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    name = models.CharField("名称", max_length=50)
    description = models.TextField("简介", blank=True)
    leader = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="负责教师")
    members = models.ManyToManyField(Student, blank=True, related_name="programs", verbose_name="成员")

    class Meta:
        verbose_name = verbose_name_plural = "项目与社团"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgramEvent(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="events", verbose_name="项目")
    date = models.DateField("日期")
    title = models.CharField("活动", max_length=100)
    outcome = models.TextField("成果", blank=True)
    present = models.ManyToManyField(Student, blank=True, related_name="program_attendance", verbose_name="出勤")

    class Meta:
        verbose_name = verbose_name_plural = "项目活动"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.program} {self.title}"


class Observation(models.Model):
    """课堂行为观察 (1–5 each): 举手、发言质量、小组协作、专注、作业习惯."""

    SCALE = [(i, str(i)) for i in range(1, 6)]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="observations", verbose_name="学生")
    observer = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="观察人")
    date = models.DateField("日期", default=timezone.localdate)
    hand_raising = models.PositiveSmallIntegerField("举手", choices=SCALE)
    speech = models.PositiveSmallIntegerField("发言质量", choices=SCALE)
    collaboration = models.PositiveSmallIntegerField("小组协作", choices=SCALE)
    focus = models.PositiveSmallIntegerField("专注", choices=SCALE)
    homework = models.PositiveSmallIntegerField("作业习惯", choices=SCALE)

    class Meta:
        verbose_name = verbose_name_plural = "课堂观察"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date}"


class LearningProfile(models.Model):
    STYLE_CHOICES = [("visual", "视觉型"), ("auditory", "听觉型"), ("kinesthetic", "动手型"), ("mixed", "混合型")]
    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="learning_profile", verbose_name="学生")
    style = models.CharField("学习风格", max_length=20, choices=STYLE_CHOICES, blank=True)
    interests = models.CharField("兴趣特长", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "学习风格与兴趣"

    def __str__(self) -> str:
        return f"{self.student.name} 学习风格"


class PairPreference(models.Model):
    """一帮一 自选: the partner a student would like as their tutor (honoured when compatible)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="pair_preferences", verbose_name="学生")
    preferred = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name="希望的小老师")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    created_at = models.DateTimeField("填写时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "结对自选"
        constraints = [models.UniqueConstraint(fields=["student", "term"], name="pair_preference_once_per_term")]

    def __str__(self) -> str:
        return f"{self.student.name} → {self.preferred.name}"
