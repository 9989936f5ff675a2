"""Evaluation data is written once: saving an existing row, updating or deleting raises."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.actions import do_give_verdict
from inspections.models import (
    AnswerVerdict,
    Finding,
    FindingEvidence,
    HearingQuestion,
    Inspection,
    QuestionAnswer,
)
from inspections.tests.conftest import as_, ask, record_finding

pytestmark = pytest.mark.django_db

IMMUTABLE = [Inspection, Finding, FindingEvidence, HearingQuestion, QuestionAnswer, AnswerVerdict]


def _snapshot(finding):
    row = Finding.objects.values().get(pk=finding.pk)
    return row, Finding.objects.count()


def test_a_finding_cannot_be_changed_in_place(cast, inspection):
    finding = record_finding(cast, inspection)
    before = _snapshot(finding)
    finding.description = "改写后的问题"
    with pytest.raises(RuntimeError):
        finding.save()
    with pytest.raises(RuntimeError):
        Finding.objects.filter(pk=finding.pk).update(description="改写后的问题")
    with pytest.raises(RuntimeError):
        inspection.findings.update(deadline=date(2099, 1, 1))
    with pytest.raises(RuntimeError):
        Finding.objects.bulk_update([finding], ["description"])
    assert _snapshot(finding) == before


def test_a_finding_cannot_be_deleted(cast, inspection):
    finding = record_finding(cast, inspection)
    before = _snapshot(finding)
    with pytest.raises(RuntimeError):
        finding.delete()
    with pytest.raises(RuntimeError):
        Finding.objects.filter(pk=finding.pk).delete()
    with pytest.raises(RuntimeError):
        inspection.findings.all().delete()
    assert _snapshot(finding) == before


@pytest.mark.parametrize("model", IMMUTABLE, ids=lambda m: m.__name__)
def test_every_evaluation_record_refuses_updates_and_deletes(cast, inspection, hearing, model):
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    record_finding(cast, inspection, evidence=[png])
    question = ask(cast, hearing, on_site_answer="现场答复")
    do_give_verdict(as_(cast, cast.evaluator), question, satisfied=True, acting_user=cast.evaluator)
    row = model.objects.first()
    assert row is not None
    before = list(model.objects.values())
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        model.objects.update(pk=row.pk)
    with pytest.raises(RuntimeError):
        row.delete()
    with pytest.raises(RuntimeError):
        model.objects.all().delete()
    assert list(model.objects.values()) == before
