"""Every change in the rectification app, one function per action (see STYLE.md).

Other apps call do_open_rectification_item to put a problem on the ledger.
"""

from rectification.actions.ledger import (
    STAFF_OPENERS,
    do_add_evidence,
    do_add_progress_note,
    do_explain_rectification_item,
    do_mark_rectification_done,
    do_open_rectification_item,
    do_start_rectification_item,
    do_update_rectification_plan,
    do_verify_rectification_item,
    may_open_item,
)
from rectification.actions.overdue import do_mark_overdue_items
from rectification.actions.reports import (
    do_set_report_due,
    do_set_report_dues_from_phases,
    do_submit_report,
)

__all__ = [
    "STAFF_OPENERS",
    "do_add_evidence",
    "do_add_progress_note",
    "do_explain_rectification_item",
    "do_mark_overdue_items",
    "do_mark_rectification_done",
    "do_open_rectification_item",
    "do_set_report_due",
    "do_set_report_dues_from_phases",
    "do_start_rectification_item",
    "do_submit_report",
    "do_update_rectification_plan",
    "do_verify_rectification_item",
    "may_open_item",
]
