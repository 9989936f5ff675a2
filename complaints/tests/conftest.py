from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.access import ComplaintAccess
from complaints.actions import (
    Identity,
    do_assign_complaint,
    do_file_complaint,
    do_reply_complaint,
    do_verify_complaint,
)
from complaints.models import Category, Channel, Kind

NAME, PHONE, ADDRESS = "欧阳秘密", "13988886666", "幸福路88号"
IDENTITY = Identity(NAME, PHONE, ADDRESS)
IDENTITY_STRINGS = (NAME, PHONE, ADDRESS)
CONTENT = "窗口人员索要好处费，材料压了一周（内容标记KX42）"
REPLY = "经核实已责令整改并退还费用（答复标记RY17）"


ATTACHMENT_TEXT = "附件正文（附件标记AT09）".encode()


def upload(name="note.txt", data=ATTACHMENT_TEXT, content_type="text/plain"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def file_web(cast, *, unit="county-a", anonymous=False, content=CONTENT, attachments=()):
    """A complaint from the public web form."""
    return do_file_complaint(
        cast.campaign,
        target=cast.target(unit),
        kind=Kind.COMPLAINT,
        category=Category.DEMANDING_FAVOURS,
        content=content,
        anonymous=anonymous,
        identity=None if anonymous else IDENTITY,
        attachments=attachments,
    )


def enter_by_staff(cast, *, unit="county-a", received_on=date(2026, 7, 1), **kwargs):
    """A named hotline complaint entered by the organizer."""
    values = {
        "target": cast.target(unit),
        "kind": Kind.COMPLAINT,
        "category": Category.ARBITRARY_FEES,
        "content": CONTENT,
        "anonymous": False,
        "identity": IDENTITY,
        "channel": Channel.HOTLINE,
        "received_on": received_on,
        "acting_user": cast.organizer,
    }
    values.update(kwargs)
    return do_file_complaint(cast.campaign, **values)


def assign(cast, complaint, note=""):
    return do_assign_complaint(
        ComplaintAccess(cast.organizer, complaint), note=note, acting_user=cast.organizer
    )


def reply(cast, complaint, text=REPLY):
    return do_reply_complaint(
        ComplaintAccess(cast.liaison, complaint), text=text, acting_user=cast.liaison
    )


def verify(cast, complaint):
    return do_verify_complaint(
        ComplaintAccess(cast.organizer, complaint), acting_user=cast.organizer
    )


@pytest.fixture(autouse=True)
def _english(english, client):
    """Assertions read English messages, in tests, pages and emails, whatever the catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield


@pytest.fixture
def complaint(cast):
    return file_web(cast)


@pytest.fixture
def assigned(cast, complaint):
    assign(cast, complaint)
    return complaint
