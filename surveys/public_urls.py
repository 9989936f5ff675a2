"""Public answering pages under /s/ (no login).

`/s/<token>/` carries a secret, which the logs redact (pingyi.lib.logredact
matches surveys.tokens.TOKEN_PATH_RE: ten or more characters after /s/). The
fixed paths are shorter words, so they stay readable in the logs.
"""

from django.urls import path

from surveys import public_views

app_name = "answer"
urlpatterns = [
    path("", public_views.start, name="start"),
    path("answer/", public_views.submit_code, name="submit_code"),
    path("receipt/", public_views.receipt, name="receipt"),
    path("o/<str:slug>/", public_views.open_link, name="open_link"),
    path("<str:token>/", public_views.invitation, name="invitation"),
]
