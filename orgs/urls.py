from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.unit_tree, name="tree"),
    path("<slug:code>/", views.unit_detail, name="unit"),
]
