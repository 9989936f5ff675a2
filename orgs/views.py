from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from orgs.access import get_unit_for_user, grants_of, is_superuser, units_visible_to
from orgs.models import Unit


@login_required
def unit_tree(request):
    """The tops of what the user reaches: their own units (all roots for a superuser)."""
    if is_superuser(request.user):
        tops = Unit.objects.filter(parent=None)
    else:
        tops = Unit.objects.filter(pk__in={g.unit_id for g in grants_of(request.user)})
    tops = tops.annotate(child_count=Count("children")).order_by("path")
    return render(request, "orgs/tree.html", {"tops": tops})


@login_required
def unit_detail(request, code):
    unit = get_unit_for_user(request.user, code)
    children = unit.children.annotate(child_count=Count("children")).order_by("code")
    page = Paginator(children, 100).get_page(request.GET.get("page"))
    ancestors = units_visible_to(request.user).filter(code__in=unit.ancestor_codes())
    context = {
        "unit": unit,
        "ancestors": ancestors.order_by("depth"),
        "page": page,
        "memberships": unit.memberships.select_related("user").order_by("role"),
        "evaluators": unit.evaluators.order_by("status", "name"),
    }
    return render(request, "orgs/unit.html", context)
