"""Import batches (an uploaded file, its preview and its outcome) and the per-change history they write.

A batch keeps the original file, so the preview can be confirmed without re-uploading and any past import
can be inspected. Corrections (a re-import that changes an existing value) are logged one row per change in
ImportChange, with the old and the new value; creations are counted in the batch summary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yincai.assessment.models import Assessment
from yincai.school.models import Student, Term


class ImportBatch(models.Model):
    KIND_CHOICES = [("scores", "小题得分"), ("blueprint", "试卷结构(双向细目表)"), ("roster", "花名册")]
    STATUS_CHOICES = [("preview", "待确认"), ("refused", "有错误，未导入"), ("committed", "已导入")]

    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    status = models.CharField("状态", max_length=20, choices=STATUS_CHOICES, default="preview")
    file_name = models.CharField("文件名", max_length=200)
    file_sha256 = models.CharField("文件指纹", max_length=64)
    content = models.BinaryField("原始文件", editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="import_batches", verbose_name="测评"
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, null=True, blank=True, verbose_name="学期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="导入人"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    summary = models.JSONField("统计", default=dict, blank=True)
    problems = models.JSONField("问题", default=list, blank=True)
    warnings = models.JSONField("提醒", default=list, blank=True)
    resolutions = models.JSONField("知识点标签的选择", default=dict, blank=True)  # blueprint: label → KP ids

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"


class ImportChange(models.Model):
    """One value a committed import changed (a correction): what it was and what it became."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes", verbose_name="导入批次")
    model = models.CharField("对象", max_length=50)
    object_id = models.CharField("对象ID", max_length=64)
    student = models.ForeignKey(Student, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="学生")
    field = models.CharField("字段", max_length=100)
    old_value = models.CharField("原值", max_length=200, blank=True)
    new_value = models.CharField("新值", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入修改记录"
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} {self.field}: {self.old_value} → {self.new_value}"
