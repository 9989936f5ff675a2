from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    # The public: no login.
    path("c/<slug:code>/new/", views.public_new, name="public_new"),
    path("filed/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("track/rate/", views.rate, name="rate"),
    # Staff.
    path("c/<slug:code>/", views.complaint_list, name="list"),
    path("c/<slug:code>/overdue/", views.overdue_list, name="overdue"),
    path("c/<slug:code>/export.csv", views.export_csv, name="export"),
    path("c/<slug:code>/enter/", views.staff_new, name="staff_new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/identity/", views.show_identity, name="identity"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/return/", views.return_reply, name="return"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/rectify/", views.raise_rectification, name="rectify"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
