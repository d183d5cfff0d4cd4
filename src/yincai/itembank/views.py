"""Thin views of the item bank: list/search, create/edit, generate from a generator, import (preview →
confirm), export, and the KP picker's search. Visibility lives in selectors, writes in services."""

from __future__ import annotations

import random
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from yincai.accounts.access import role_required
from yincai.accounts.roles import TEACHING_ROLES
from yincai.engine.generators import GENERATORS, to_tex
from yincai.imports.exports import table_response
from yincai.itembank import selectors
from yincai.itembank.exports import items_table
from yincai.itembank.models import ITEM_TYPES, LAYERS, BankItem, VariantFamily
from yincai.itembank.services import (
    MAX_GENERATE,
    ImportRefusedError,
    ItemData,
    ItemInvalid,
    family_create_from_generator,
    generator_grade,
    generator_preview,
    import_confirm,
    import_create,
    item_create,
    item_update,
)
from yincai.school.models import Subject
from yincai.school.selectors import staff_of

BANK_ROLES = tuple(TEACHING_ROLES)
MAX_UPLOAD = 10 * 1024 * 1024


def _choices() -> dict[str, Any]:
    return {"item_types": ITEM_TYPES, "layers": LAYERS, "subjects": Subject.objects.all(), "grades": range(1, 7)}


@role_required(*BANK_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    f = selectors.filters_from(request.GET)
    page = Paginator(selectors.search_items(request.user, f), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "itembank/index.html", _choices() | {
        "page": page, "f": f, "query": query.urlencode(), "total": page.paginator.count,
        "imports": selectors.imports_visible_to(request.user)[:5],
    })


@role_required(*BANK_ROLES)
def export(request: HttpRequest) -> HttpResponse:
    items = selectors.search_items(request.user, selectors.filters_from(request.GET))[:5000]
    return table_response([items_table(items)], "题库", request.GET.get("format", "xlsx"))


def _item_data(post: Any) -> ItemData:
    subject = Subject.objects.filter(pk=int(post["subject"])).first() if post.get("subject", "").isdigit() else None
    if subject is None:
        raise ItemInvalid(["请选择学科"])
    grade = post.get("grade_level", "")
    return ItemData(
        subject=subject, grade_level=int(grade) if grade.isdigit() else 0, item_type=post.get("item_type", ""),
        layer=post.get("layer", ""), stem=post.get("stem", ""), answer=post.get("answer", ""),
        solution=post.get("solution", ""), minutes=post.get("minutes", "1"), source=post.get("source", ""),
        kp_text=post.get("kp_text", ""), shared=post.get("shared") == "on",
        choices=tuple(c.strip() for c in post.get("choices", "").splitlines() if c.strip()))


def _form(request: HttpRequest, item: BankItem | None, values: dict[str, Any], problems: list[str]) -> HttpResponse:
    families = selectors.families_visible_to(request.user).order_by("name")
    return render(request, "itembank/form.html", _choices() | {"item": item, "v": values, "problems": problems,
                                                               "families": families},
                  status=400 if problems else 200)


def _family(request: HttpRequest) -> VariantFamily | None:
    """The chosen 变式题组, only among those the user sees (another id is ignored)."""
    raw = request.POST.get("family", "")
    return selectors.families_visible_to(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None


def _values(item: BankItem | None) -> dict[str, Any]:
    if item is None:
        math = Subject.objects.filter(code="math").first()
        return {"subject": str(math.pk) if math else "", "grade_level": "3", "item_type": "calc", "layer": "basic",
                "minutes": "1", "shared": "on"}
    return {"subject": str(item.subject_id), "grade_level": str(item.grade_level), "item_type": item.item_type,
            "layer": item.layer, "stem": item.stem, "answer": item.answer, "solution": item.solution,
            "minutes": str(item.minutes), "source": item.source, "shared": "on" if item.shared else "",
            "kp_text": "、".join(k.code for k in item.knowledge_points.all()), "choices": "\n".join(item.choices),
            "family": str(item.family_id or "")}


@role_required(*BANK_ROLES)
def create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form(request, None, _values(None), [])
    staff = staff_of(request.user)
    if staff is None:
        return _form(request, None, request.POST.dict(), ["只有本校教师可以出题"])
    try:
        item = item_create(author=staff, data=_item_data(request.POST), family=_family(request))
    except ItemInvalid as exc:
        return _form(request, None, request.POST.dict(), exc.problems)
    messages.success(request, "题目已保存")
    return redirect("itembank:edit", bank_item_id=item.pk)


@role_required(*BANK_ROLES)
def edit(request: HttpRequest, bank_item_id: int) -> HttpResponse:
    item = get_object_or_404(selectors.items_editable_by(request.user), pk=bank_item_id)
    if request.method != "POST":
        return _form(request, item, _values(item), [])
    staff = staff_of(request.user)
    try:
        if staff is None:
            raise ItemInvalid(["只有本校教师可以修改题目"])
        item_update(item=item, editor=staff, data=_item_data(request.POST), family=_family(request))
    except ItemInvalid as exc:
        return _form(request, item, request.POST.dict(), exc.problems)
    messages.success(request, "修改已保存")
    return redirect("itembank:edit", bank_item_id=item.pk)


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


@role_required(*BANK_ROLES)
def generate(request: HttpRequest) -> HttpResponse:
    src = request.POST if request.method == "POST" else request.GET
    key = src.get("generator", "")
    level, count = _int(src.get("level"), 1), _int(src.get("count"), 10)
    seed = _int(src.get("seed"), random.SystemRandom().randrange(1, 10**9))
    math = Subject.objects.filter(code="math").first()
    context: dict[str, Any] = {"generators": GENERATORS.values(), "key": key, "level": level, "count": count,
                               "seed": seed, "layers": LAYERS, "layer": src.get("layer", "basic"),
                               "max_count": MAX_GENERATE, "name": src.get("name", ""), "grades": range(1, 7),
                               "grade": _int(src.get("grade_level"), 0)}
    problems: list[str] = []
    if key:
        try:
            items = generator_preview(key=key, level=level, count=count, seed=seed)
            gen = GENERATORS[key]
            context["preview"] = [{"stem": to_tex(i.stem), "answer": gen.answer_text(i), "minutes": i.minutes}
                                  for i in items]
            context["gen"] = gen
            context["grade"] = context["grade"] or generator_grade(key, level)
            context["level_kps"] = gen.kp_codes_for(level)
        except ItemInvalid as exc:
            problems = exc.problems
    if request.method == "POST" and not problems:
        staff = staff_of(request.user)
        try:
            if staff is None or math is None:
                raise ItemInvalid(["只有本校教师可以保存题目"])
            family = family_create_from_generator(author=staff, key=key, level=level, count=count, seed=seed,
                                                  subject=math, layer=context["layer"], name=context["name"],
                                                  grade_level=context["grade"] or None)
        except ItemInvalid as exc:
            problems = exc.problems
        else:
            messages.success(request, f"已保存变式题组「{family.name}」（{count} 道题）")
            return redirect(reverse("itembank:index") + f"?family={family.pk}")
    context["problems"] = problems
    return render(request, "itembank/generate.html", context, status=400 if problems else 200)


@role_required(*BANK_ROLES)
def upload(request: HttpRequest) -> HttpResponse:
    context = _choices() | {"imports": selectors.imports_visible_to(request.user)[:20], "max_mb": MAX_UPLOAD // 2**20}
    if request.method != "POST":
        return render(request, "itembank/upload.html", context)
    problems: list[str] = []
    upload_file = request.FILES.get("file")
    subject = Subject.objects.filter(pk=_int(request.POST.get("subject"), 0)).first()
    staff = staff_of(request.user)
    if upload_file is None:
        problems.append("请选择要上传的文件（.docx 或 .xlsx）")
    elif upload_file.size and upload_file.size > MAX_UPLOAD:
        problems.append(f"文件过大（{upload_file.size / 2**20:.1f} MB），上限为 {MAX_UPLOAD // 2**20} MB")
    if subject is None:
        problems.append("请选择学科")
    if staff is None:
        problems.append("只有本校教师可以导入题目")
    if not problems and upload_file is not None and subject is not None and staff is not None:
        try:
            batch = import_create(author=staff, subject=subject, grade_level=_int(request.POST.get("grade_level"), 0),
                                  content=upload_file.read(), file_name=upload_file.name or "upload.docx")
        except ImportRefusedError as exc:
            problems = exc.problems
        else:
            return redirect("itembank:import_detail", item_import_id=batch.pk)
    return render(request, "itembank/upload.html", context | {"problems": problems}, status=400)


@role_required(*BANK_ROLES)
def import_detail(request: HttpRequest, item_import_id: int) -> HttpResponse:
    batch = get_object_or_404(selectors.imports_visible_to(request.user), pk=item_import_id)
    may_confirm = selectors.imports_confirmable_by(request.user).filter(pk=batch.pk).exists()
    types, layers = dict(ITEM_TYPES), dict(LAYERS)
    rows = [q | {"type_label": types.get(q["item_type"], ""), "layer_label": layers.get(q["layer"], "")}
            for q in batch.rows]
    return render(request, "itembank/import.html", {"batch": batch, "rows": rows, "may_confirm": may_confirm})


@role_required(*BANK_ROLES)
def import_commit(request: HttpRequest, item_import_id: int) -> HttpResponse:
    batch = get_object_or_404(selectors.imports_visible_to(request.user), pk=item_import_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    batch = get_object_or_404(selectors.imports_confirmable_by(request.user), pk=batch.pk)
    staff = staff_of(request.user)
    choices = {i: request.POST.get(f"kp-{i}", "0") for i in range(len(batch.rows))}
    try:
        if staff is None:
            raise ItemInvalid(["只有本校教师可以导入题目"])
        items = import_confirm(batch=batch, author=staff, choices=choices, family_name=request.POST.get("family", ""))
    except ItemInvalid as exc:
        for p in exc.problems:
            messages.error(request, p)
        return redirect("itembank:import_detail", item_import_id=batch.pk)
    messages.success(request, f"已导入 {len(items)} 道题")
    return redirect(reverse("itembank:index") + "?mine=1")


@role_required(*BANK_ROLES)
def kp_search(request: HttpRequest) -> JsonResponse:
    kps = selectors.kp_search(_int(request.GET.get("subject"), 0) or None, request.GET.get("q", "")[:50],
                              _int(request.GET.get("grade"), 0) or None)
    return JsonResponse({"results": [{"code": k.code, "name": k.name, "grade": k.grade_level,
                                      "semester": k.semester, "unit": k.parent.name if k.parent else ""}
                                     for k in kps]})
