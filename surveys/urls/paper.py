"""Paper forms (纸质问卷): batches, double keying and resolution."""

from django.urls import path

from surveys.views import paper

urlpatterns = [
    path("<slug:code>/paper/", paper.batches, name="paper"),
    path("<slug:code>/paper/new/", paper.create_batch, name="paper_create"),
    path("<slug:code>/paper/<int:number>/", paper.batch_detail, name="paper_batch"),
    path("<slug:code>/paper/<int:number>/<int:serial>/", paper.key_form, name="paper_form"),
    path(
        "<slug:code>/paper/<int:number>/<int:serial>/resolve/",
        paper.resolve_form,
        name="paper_resolve",
    ),
]
