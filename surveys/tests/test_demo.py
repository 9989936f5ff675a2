from surveys import counters
from surveys.models import (
    FlagKind,
    Invitation,
    InvitationBatch,
    PaperForm,
    Response,
    ResponseFlag,
)
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE
from surveys.tokens import token_hash


def test_the_demo_survey_has_answers_flags_and_unused_invitations_to_try(db):
    from pingyi.demo import load_all

    _, tokens = load_all()

    assert InvitationBatch.objects.count() == 12
    assert Response.objects.filter(channel="web").count() > 200
    flagged = set(ResponseFlag.objects.values_list("kind", flat=True))
    assert {FlagKind.BURST, FlagKind.REPEAT_DEVICE, FlagKind.DUPLICATE_TEXT} <= flagged
    assert len(tokens) == 3
    paper = PaperForm.objects.filter(batch__campaign__code__startswith="kj-")
    assert paper.count() == 12
    assert paper.filter(response__isnull=False).count() == 6  # five agreed, one resolved
    assert Response.objects.filter(channel="paper").count() == 6
    _, token = tokens[0]
    assert Invitation.objects.get(token_hash=token_hash(token)).used is None
    assert do_submit_by_token(token, {"tier": "满意"}, client=PHONE).created

    campaign = paper.first().batch.campaign
    assert counters.verify(campaign) == []  # web, paper, import and exclusions all counted

    before = Response.objects.count()
    _, again = load_all()
    assert (again, Response.objects.count()) == ([], before)
