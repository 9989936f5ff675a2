from django.urls import path

from surveys.views import invitations as views

urlpatterns = [
    path("<slug:code>/invitations/", views.batches, name="invitations"),
    path("<slug:code>/open-links/", views.open_links, name="open_links"),
    path(
        "<slug:code>/open-links/<slug:slug>/close/",
        views.close_open_link,
        name="close_open_link",
    ),
    path(
        "<slug:code>/open-links/<slug:slug>/poster.pdf",
        views.open_link_poster,
        name="open_link_poster",
    ),
]
