from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.personas import Personas
from yincai.curriculum.models import KnowledgePoint
from yincai.curriculum.services import CurriculumError, load_kp_tree
from yincai.school.models import Subject


@pytest.mark.django_db
def test_the_pep_math_tree_covers_grades_1_to_6_with_at_least_120_kps(personas: Personas) -> None:
    leaves = KnowledgePoint.objects.filter(subject__code="math", is_unit=False)
    assert leaves.count() >= 120
    assert set(leaves.values_list("grade_level", flat=True)) == {1, 2, 3, 4, 5, 6}
    assert all(kp.parent and kp.parent.is_unit for kp in leaves.select_related("parent"))


@pytest.mark.django_db
def test_prerequisites_form_a_dag_that_points_backwards_in_the_curriculum(personas: Personas) -> None:
    leaves = list(KnowledgePoint.objects.filter(subject__code="math", is_unit=False).prefetch_related("prerequisites"))
    index = {kp.pk: i for i, kp in enumerate(leaves)}
    edges = [(index[kp.pk], index[p.pk]) for kp in leaves for p in kp.prerequisites.all()]
    assert len(edges) >= 150
    adjacency = np.zeros((len(leaves), len(leaves)), dtype=bool)
    for a, b in edges:
        adjacency[a, b] = True
    # Repeated boolean matrix powers: a cycle would make some KP reach itself.
    reach = adjacency.copy()
    for _ in range(int(np.ceil(np.log2(len(leaves)))) + 1):
        reach = reach | ((reach.astype(np.int32) @ reach.astype(np.int32)) > 0)
    assert not reach.diagonal().any()
    by_pk = {kp.pk: kp for kp in leaves}
    assert all(by_pk[leaves[b].pk].order < by_pk[leaves[a].pk].order for a, b in edges)


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing(personas: Personas) -> None:
    math = Subject.objects.get(code="math")
    before = KnowledgePoint.objects.filter(subject=math).count()
    result = load_kp_tree(subject=math)
    assert (result.created, result.updated) == (0, 0)
    assert KnowledgePoint.objects.filter(subject=math).count() == before


@pytest.mark.django_db
def test_a_prerequisite_that_does_not_exist_is_refused_in_chinese(personas: Personas, tmp_path: Path) -> None:
    bad = tmp_path / "kps.csv"
    bad.write_text("code,name,grade,semester,unit,domain,prerequisites\nX1,测试,1,上,单元,数与代数,NOPE\n", encoding="utf-8")
    with pytest.raises(CurriculumError, match="先修知识点 NOPE 不存在"):
        load_kp_tree(subject=Subject.objects.get(code="math"), path=bad)


@pytest.mark.django_db
def test_a_file_missing_a_column_is_refused(personas: Personas, tmp_path: Path) -> None:
    bad = tmp_path / "kps.csv"
    bad.write_text("code,name\nX1,测试\n", encoding="utf-8")
    with pytest.raises(CurriculumError, match="缺少列"):
        load_kp_tree(subject=Subject.objects.get(code="math"), path=bad)
