import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectification.actions import do_add_evidence
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_ledger_read_only_without_file_links(cast, open_item, login):
    item = open_item()
    evidence = do_add_evidence(
        access_of(cast, cast.liaison),
        item,
        upload=SimpleUploadedFile("a.txt", b"ok"),
        acting_user=cast.liaison,
    )
    client = login(cast.organizer)
    page = client.get(reverse("admin:rectification_rectificationitem_changelist"))
    assert page.status_code == 200 and "窗口午休时段无人值守" in page.content.decode()
    detail = client.get(reverse("admin:rectification_evidence_change", args=[evidence.pk]))
    assert detail.status_code == 200
    assert evidence.file.name not in detail.content.decode()
    assert client.get(reverse("admin:rectification_rectificationitem_add")).status_code == 403
