from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("inspection/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspection/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("inspection/<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("inspection/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("hearing/<int:pk>/", views.hearing_detail, name="hearing"),
    path("hearing/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path("question/<int:pk>/", views.question_detail, name="question"),
    path("question/<int:pk>/answer/", views.answer_on_site, name="answer_on_site"),
    path("question/<int:pk>/reply/", views.reply_in_writing, name="reply_in_writing"),
    path("question/<int:pk>/verdict/", views.give_verdict, name="give_verdict"),
    path("question/<int:pk>/rectify/", views.raise_rectification, name="raise_rectification"),
    path("<slug:code>/", views.inspection_list, name="inspection_list"),
    path("<slug:code>/new/", views.inspection_create, name="inspection_create"),
    path("<slug:code>/hearings/", views.hearing_list, name="hearing_list"),
    path("<slug:code>/hearings/new/", views.hearing_create, name="hearing_create"),
    path("<slug:code>/questions/overdue/", views.overdue_list, name="overdue_questions"),
]
