from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("<slug:code>/", views.overview, name="overview"),
    path("<slug:code>/runs/start/", views.start_run, name="start_run"),
    path("<slug:code>/violations/", views.record_violation, name="record_violation"),
    path(
        "<slug:code>/violations/<int:pk>/withdraw/",
        views.withdraw_violation,
        name="withdraw_violation",
    ),
    path("<slug:code>/deductions/", views.record_deduction, name="record_deduction"),
    path(
        "<slug:code>/deductions/<int:pk>/approve/",
        views.approve_deduction,
        name="approve_deduction",
    ),
    path(
        "<slug:code>/deductions/<int:pk>/reject/", views.reject_deduction, name="reject_deduction"
    ),
    path("<slug:code>/runs/<int:number>/", views.run_detail, name="run"),
    path("<slug:code>/runs/<int:number>/sign/", views.sign_run, name="sign_run"),
    path("<slug:code>/runs/<int:number>/publish/", views.publish_run, name="publish_run"),
    path(
        "<slug:code>/runs/<int:number>/outcomes/<slug:unit>/",
        views.decide_outcomes,
        name="decide_outcomes",
    ),
    path("<slug:code>/runs/<int:number>/results.xlsx", views.run_xlsx, name="run_xlsx"),
    path("<slug:code>/runs/<int:number>/results.csv", views.run_csv, name="run_csv"),
]
