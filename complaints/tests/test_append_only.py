import pytest

from complaints.models import Complaint, ComplaintStep
from complaints.tests.conftest import assign, enter_by_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "change",
    [
        lambda qs: qs.update(content="改写"),
        lambda qs: qs.delete(),
        lambda qs: qs.first().delete(),
    ],
)
def test_complaints_and_their_steps_refuse_updates_and_deletes(cast, change):
    complaint = enter_by_staff(cast)
    assign(cast, complaint)
    content, steps = complaint.content, ComplaintStep.objects.count()
    with pytest.raises(RuntimeError):
        change(Complaint.objects.filter(pk=complaint.pk))
    with pytest.raises(RuntimeError):
        ComplaintStep.objects.filter(complaint=complaint).delete()
    assert Complaint.objects.get(pk=complaint.pk).content == content
    assert ComplaintStep.objects.count() == steps
