"""题库: questions with stem, answer and worked solution, tagged with KPs, layer and minutes, grouped in
variant families (items that test the same thing). Items come from teachers (typed, Excel, Word) or from
the engine's generators (`yincai.engine.generators`), which make unlimited variants with exact answers."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import School, Staff, Subject

ITEM_TYPES = [("oral", "口算"), ("fill", "填空"), ("choice", "选择"), ("judge", "判断"), ("calc", "计算"),
              ("word", "解决问题"), ("other", "其他")]
LAYERS = [("basic", "基础"), ("extended", "提高"), ("challenge", "拓展")]


class VariantFamily(models.Model):
    """Items that test the same thing; a wrong item comes back as another member (变式题)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    name = models.CharField("名称", max_length=100)
    generator = models.CharField("生成器", max_length=50, blank=True)  # key in engine.generators.GENERATORS
    created_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name="创建人")

    class Meta:
        verbose_name = verbose_name_plural = "变式题组"

    def __str__(self) -> str:
        return self.name


class BankItem(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="bank_items", verbose_name="学校")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    grade_level = models.PositiveSmallIntegerField("年级")
    item_type = models.CharField("题型", max_length=10, choices=ITEM_TYPES)
    layer = models.CharField("层级", max_length=10, choices=LAYERS, default="basic")
    stem = models.TextField("题干")  # plain text with $…$ for formulae (rendered by KaTeX, vendored)
    answer = models.CharField("答案", max_length=200)  # canonical answer; auto-marking compares forms
    solution = models.TextField("解析", blank=True)
    choices = models.JSONField("选项", default=list, blank=True)  # for 选择题: ["A. …", …]
    auto_markable = models.BooleanField("可自动批改", default=False)
    minutes = models.DecimalField("预计用时(分钟)", max_digits=4, decimal_places=1, default=1)
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="bank_items", verbose_name="知识点")
    family = models.ForeignKey(VariantFamily, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="items", verbose_name="变式题组")
    generator = models.CharField("生成器", max_length=50, blank=True)
    params = models.JSONField("生成参数", default=dict, blank=True)  # exact parameters of a generated item
    source = models.CharField("来源", max_length=100, blank=True)
    author = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="作者")
    shared = models.BooleanField("全校共享", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name="最后修改人")
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "题目(题库)"
        ordering = ["subject", "grade_level", "id"]
        indexes = [models.Index(fields=["school", "subject", "grade_level"])]

    def __str__(self) -> str:
        return self.stem[:40]


class ItemImport(models.Model):
    """An uploaded Excel/Word file of questions, parsed into a preview; items are written only on confirm."""

    KIND_CHOICES = [("excel", "Excel"), ("word", "Word")]
    STATUS_CHOICES = [("preview", "待确认"), ("committed", "已导入")]

    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    grade_level = models.PositiveSmallIntegerField("年级")
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="preview")
    file_name = models.CharField("文件名", max_length=200)
    file_sha256 = models.CharField("文件指纹", max_length=64)
    rows = models.JSONField("题目预览", default=list, blank=True)  # parsed questions with suggested KPs
    warnings = models.JSONField("提醒", default=list, blank=True)
    created_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="导入人")
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    family = models.ForeignKey(VariantFamily, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="变式题组")

    class Meta:
        verbose_name = verbose_name_plural = "题目导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
