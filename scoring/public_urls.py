"""The public results page (no login): mounted at /results/."""

from django.urls import path

from scoring import views

app_name = "results"
urlpatterns = [
    path("<slug:code>/", views.public_results, name="page"),
    path("<slug:code>/results.csv", views.public_results_csv, name="csv"),
]
