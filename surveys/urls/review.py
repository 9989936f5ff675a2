from django.urls import path

from surveys.views import review as views

urlpatterns = [
    path("<slug:code>/flags/", views.flags, name="flags"),
    path("<slug:code>/flags/<int:pk>/keep/", views.keep_response, name="keep_response"),
    path("<slug:code>/flags/<int:pk>/exclude/", views.exclude_response, name="exclude_response"),
    path("<slug:code>/responses/<int:pk>/flag/", views.flag_response, name="flag_response"),
]
