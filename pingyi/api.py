"""The API root: /api/v1/, one router per app, session authentication."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import django_auth

from campaigns.api import router as campaigns_router
from complaints.api import router as complaints_router
from inspections.api import router as inspections_router
from orgs.api import router as orgs_router
from rectification.api import router as rectification_router
from scoring.api import router as scoring_router
from surveys.api import router as surveys_router

api = NinjaAPI(title="Pingyi API", version="1", auth=django_auth, urls_namespace="api")
api.add_router("/campaigns", campaigns_router)
api.add_router("/units", orgs_router)
api.add_router("/complaints", complaints_router)
api.add_router("/inspections", inspections_router)
api.add_router("/rectification", rectification_router)
api.add_router("/scoring", scoring_router)
api.add_router("/surveys", surveys_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "forbidden"}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "not found"}, status=404)
