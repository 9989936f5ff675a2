"""What the campaign dashboard shows, gathered in a fixed number of queries."""

from datetime import date
from itertools import groupby

from campaigns.access import CampaignAccess
from complaints.access import may_list as may_list_complaints
from complaints.queries import overdue_count as overdue_complaint_count
from inspections.queries import overdue_question_count
from rectification.queries import overdue_count, transition_checklists


def build_dashboard(access: CampaignAccess, today: date) -> dict:
    campaign = access.campaign
    phases = campaign.ordered_phases()
    targets = list(access.targets().order_by("group", "unit__path"))
    groups = [(name, list(items)) for name, items in groupby(targets, key=lambda t: t.group)]
    pending = list(access.pending_requests())
    checklists = transition_checklists([r.target for r in pending], today)
    return {
        "access": access,
        "campaign": campaign,
        "today": today,
        "timeline": _timeline(phases, today),
        "current_phase": next((p for p in phases if p.is_current(today)), None),
        "groups": groups,
        "target_count": len(targets),
        # Whoever decides a transition sees the phase's reports and open items beside it.
        "pending": [(r, access.can_decide(r), checklists[r.target_id]) for r in pending],
        "overdue": {
            "items": overdue_count(access, today),
            "questions": overdue_question_count(access),
            "complaints": overdue_complaint_count(access, today),
        },
        "complaints_open": may_list_complaints(access),
    }


def _timeline(phases, today: date) -> list[dict]:
    """Phase rows in date order; when today falls outside every phase, a marker row shows where."""
    rows = []
    for phase in phases:
        state = (
            "current" if phase.is_current(today) else "past" if phase.is_past(today) else "future"
        )
        rows.append({"phase": phase, "state": state})
    if not any(row["state"] == "current" for row in rows):
        position = sum(1 for row in rows if row["state"] == "past")
        rows.insert(position, {"phase": None, "state": "today"})
    return rows
