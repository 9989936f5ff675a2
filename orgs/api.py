from ninja import Router, Schema

from orgs.access import get_unit_for_user

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    children: list[str]


@router.get("/{code}", response=UnitOut)
def unit_detail(request, code: str):
    unit = get_unit_for_user(request.user, code)
    return UnitOut(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        parent=unit.parent.code if unit.parent_id else None,
        children=list(unit.children.order_by("code").values_list("code", flat=True)),
    )
