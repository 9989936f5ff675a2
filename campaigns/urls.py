from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<slug:code>/", views.campaign_dashboard, name="dashboard"),
    path("<slug:code>/targets/<slug:unit>/", views.target_detail, name="target"),
    path(
        "<slug:code>/targets/<slug:unit>/transition/",
        views.request_transition,
        name="request_transition",
    ),
    path("transitions/<int:pk>/approve/", views.approve_transition, name="approve_transition"),
    path("transitions/<int:pk>/reject/", views.reject_transition, name="reject_transition"),
]
