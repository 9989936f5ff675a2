from django.contrib import admin
from django.urls import reverse

from surveys.actions import do_import_responses
from surveys.models import Response


def test_import_batches_are_listed_read_only_and_responses_not_at_all(cast, login, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("target,tier\ncounty-a,满意\n", encoding="utf-8")
    do_import_responses(cast.campaign, path, acting_user=cast.organizer)
    client = login(cast.organizer)
    page = client.get(reverse("admin:surveys_importbatch_changelist"))
    assert page.status_code == 200
    assert "r.csv" in page.content.decode()
    # Single answers would let staff add up a tally that is sealed until both signatures.
    assert Response not in admin.site._registry
    assert client.get(reverse("admin:surveys_importbatch_add")).status_code == 403


def test_a_liaison_sees_no_import_batch(cast, login, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("target,tier\ncounty-a,满意\n", encoding="utf-8")
    do_import_responses(cast.campaign, path, acting_user=cast.organizer)
    cast.liaison.is_staff = True
    cast.liaison.save()
    page = login(cast.liaison).get(reverse("admin:surveys_importbatch_changelist"))
    assert "r.csv" not in page.content.decode()
