from django.urls import path

from rectification.views import ledger, reports

app_name = "rectification"
urlpatterns = [
    # The ledger (整改台账)
    path("<slug:code>/", ledger.ledger, name="ledger"),
    path("<slug:code>/overdue/", ledger.overdue, name="overdue"),
    path("<slug:code>/items/new/", ledger.item_new, name="item_new"),
    path("items/<int:pk>/", ledger.item_detail, name="item"),
    path("items/<int:pk>/plan/", ledger.item_update_plan, name="item_update_plan"),
    path("items/<int:pk>/start/", ledger.item_start, name="item_start"),
    path("items/<int:pk>/notes/", ledger.item_add_note, name="item_add_note"),
    path("items/<int:pk>/evidence/", ledger.item_add_evidence, name="item_add_evidence"),
    path("items/<int:pk>/done/", ledger.item_mark_done, name="item_mark_done"),
    path("items/<int:pk>/explain/", ledger.item_explain, name="item_explain"),
    path("items/<int:pk>/verify/", ledger.item_verify, name="item_verify"),
    path("items/<int:pk>/reject/", ledger.item_reject, name="item_reject"),
    path("evidence/<int:pk>/", ledger.evidence_file, name="evidence_file"),
    path("<slug:code>/targets/<slug:unit>/ledger.xlsx", ledger.export_target, name="export_target"),
    path("<slug:code>/units/<slug:unit>/ledger.xlsx", ledger.export_subtree, name="export_subtree"),
    # Reports due per phase
    path("<slug:code>/reports/", reports.overview, name="reports"),
    path("<slug:code>/reports/set-due/", reports.set_due, name="set_due"),
    path(
        "<slug:code>/reports/set-due/from-phases/",
        reports.set_dues_from_phases,
        name="set_dues_from_phases",
    ),
    path(
        "<slug:code>/reports/targets/<slug:unit>/",
        reports.target_reports,
        name="target_reports",
    ),
    path(
        "<slug:code>/reports/targets/<slug:unit>/<slug:kind>/submit/",
        reports.submit_report,
        name="submit_report",
    ),
    path("submissions/<int:pk>/file/", reports.submission_file, name="submission_file"),
    path("<slug:code>/units/<slug:unit>/reports/", reports.unit_reports, name="unit_reports"),
    path(
        "<slug:code>/units/<slug:unit>/reports/<slug:kind>.docx",
        reports.combined_docx,
        name="combined_docx",
    ),
]
