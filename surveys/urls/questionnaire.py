from django.urls import path

from surveys.views import questionnaire as views

urlpatterns = [
    path("<slug:code>/", views.overview, name="overview"),
    path("<slug:code>/questionnaire/", views.edit_questionnaire, name="questionnaire"),
    path(
        "<slug:code>/questionnaire/preview/",
        views.preview_questionnaire,
        name="questionnaire_preview",
    ),
    path("<slug:code>/progress/", views.progress, name="progress"),
]
