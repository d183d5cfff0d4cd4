"""The recompute job: started from the class page (htmx), progress polled, results stored, failures kept apart."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.insight.models import AbilityEstimate, ItemStatistic, KPMastery, RecomputeJob, TierProposal
from yincai.insight.services import recompute_grade
from yincai.insight.tests.helpers import client_for, recompute_grade3


@pytest.mark.django_db
def test_it_stores_item_statistics_mastery_abilities_and_proposals(personas: Personas) -> None:
    job = recompute_grade3(personas)
    assert job.status == "done" and job.progress == 100 and job.finished_at is not None
    items = personas.math_assessment.items.all()
    assert ItemStatistic.objects.filter(item__in=items).count() == 4
    stat = ItemStatistic.objects.get(item=items.get(label="1"))
    # persona scores of item 1 are (0, 1, 2) for alice, amy, bob out of 5
    assert stat.n_responses == 3 and stat.difficulty == pytest.approx(0.2)
    assert KPMastery.objects.filter(student=personas.alice, method="tracker").count() == 4
    assert AbilityEstimate.objects.filter(student=personas.alice, dimension="overall").exists()
    assert TierProposal.objects.filter(student=personas.alice, round="initial").count() == 1
    assert not KPMastery.objects.filter(student=personas.dan).exists()  # grade 4 is not part of this job


@pytest.mark.django_db
def test_recomputing_replaces_results_instead_of_duplicating_them(personas: Personas) -> None:
    recompute_grade3(personas)
    before = KPMastery.objects.count(), ItemStatistic.objects.count()
    recompute_grade3(personas)
    assert (KPMastery.objects.count(), ItemStatistic.objects.count()) == before
    assert TierProposal.objects.filter(student=personas.alice).count() == 2  # proposals are history


@pytest.mark.django_db
def test_a_failure_is_recorded_in_chinese_and_keeps_the_previous_results(personas: Personas) -> None:
    recompute_grade3(personas)
    kept = KPMastery.objects.count()
    with mock.patch("yincai.insight.services.item_analysis", side_effect=RuntimeError("boom")):
        job = recompute_grade(term=personas.term, grade=personas.class31.grade)
    assert job.status == "failed" and "计算失败" in job.error and "boom" in job.error
    assert KPMastery.objects.count() == kept


@pytest.mark.django_db
def test_the_class_page_starts_a_job_and_polls_its_progress(personas: Personas, django_capture_on_commit_callbacks) -> None:
    client = client_for(personas, Role.HEAD_TEACHER)
    url = reverse("insight:recompute", kwargs={"class_id": personas.class31.pk})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert len(callbacks) == 1  # the background thread starts only after the commit
    job = RecomputeJob.objects.get(grade=personas.class31.grade)
    assert job.status == "queued"
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "排队中" in html
    # a second click while the job is active gives the same job back
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, HTTP_HX_REQUEST="true")
    assert RecomputeJob.objects.filter(grade=personas.class31.grade).count() == 1
    # run it as the thread would, then the status panel stops polling and shows the time of the run
    recompute_grade(term=job.term, grade=job.grade, job=job)
    status = client.get(reverse("insight:job_status", kwargs={"class_id": personas.class31.pk})).content.decode()
    assert "every 1s" not in status and "最近一次诊断计算" in status


@pytest.mark.django_db
def test_it_refuses_to_start_a_job_for_another_grade(personas: Personas) -> None:
    client = client_for(personas, Role.HEAD_TEACHER)
    response = client.post(reverse("insight:recompute", kwargs={"class_id": personas.class41.pk}))
    assert response.status_code == 404
    assert not RecomputeJob.objects.filter(grade=personas.class41.grade).exists()


@pytest.mark.django_db
def test_the_cli_recomputes_every_grade(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    from yincai.cli import cmd_recompute

    assert cmd_recompute(mock.Mock()) == 0
    assert "诊断计算完成：2/2 个年级" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_committed_score_import_queues_a_recompute_of_its_grade(personas: Personas, django_capture_on_commit_callbacks) -> None:
    from yincai.imports.models import ImportBatch

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = ImportBatch.objects.create(kind="scores", file_name="x.xlsx", file_sha256="0" * 64, content=b"",
                                           assessment=personas.math_assessment, term=personas.term)
        assert not RecomputeJob.objects.exists()  # a preview changes nothing
        batch.status = "committed"
        batch.save()
    job = RecomputeJob.objects.get()
    assert job.grade == personas.class31.grade and job.status == "queued"
    assert len(callbacks) == 1
