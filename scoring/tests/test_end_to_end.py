"""The command line on the DESIGN.md formats exactly as written there."""

import json
from textwrap import dedent

import pytest
from django.core.management import call_command

from scoring.tests.factories import during_evaluation

pytestmark = pytest.mark.django_db

SPEC = dedent(
    """\
    code: e2e-2026
    name: 端到端评议
    year: 2026
    organizer: city
    units:
      - {code: prov, name: 省局, level: province}
      - {code: city, name: 市局, level: city, parent: prov}
      - {code: county-a, name: 甲县局, level: county, parent: city}
      - {code: county-b, name: 乙县局, level: county, parent: city}
      - {code: county-c, name: 丙县局, level: county, parent: city}
    targets:
      - {unit: county-a, group: 县局}
      - {unit: county-b, group: 县局}
      - {unit: county-c, group: 县局, exempt: true}
    phases:
      - {kind: evaluate, name: 检查评议阶段, start: 2026-09-01, end: 2026-09-15}
    scheme:
      name: 70/30 四等次
      precision: 2
      violation_grade: 不合格
      components:
        - {key: survey, label: 群众满意度调查, weight: 70, source: survey,
           tiers: [{label: 优秀, value: 0.9}, {label: 满意, value: 0.8},
                   {label: 基本满意, value: 0.7}, {label: 不满意, value: 0.5},
                   {label: 不了解, excluded: true}],
           categories: {服务对象: 0.6, 人大代表: 0.2, 行风监督员: 0.2}}
        - key: inspection
          label: 检查评议
          components:
            - {key: rectification, label: 整改落实情况, weight: 20, source: assessor}
            - {key: self_review, label: 自查自纠及其他, weight: 10, source: assessor}
      grades:
        bands: [{label: 满意, min: 80}, {label: 基本满意, min: 60}, {label: 不满意, min: 0}]
    """
)

RESPONSES = dedent(
    """\
    target,category,tier,score,item.attitude,problems,suggestions,channel,submitted_at
    county-a,服务对象,优秀,,,,,纸质,2026-09-02
    county-a,服务对象,优秀,,,,"多公开办事流程",纸质,2026-09-02
    county-a,服务对象,满意,,,"窗口午休无人",,网站,2026-09-03 10:15
    county-a,人大代表,不满意,,,"整改不到位",,座谈会,2026-09-03
    county-b,服务对象,满意,,,,,纸质,2026-09-04
    county-b,服务对象,满意,,,,,纸质,2026-09-04
    county-b,行风监督员,不了解,,,,,纸质,2026-09-04
    """
)

SCORES = dedent(
    """\
    target,component,score,assessor,note
    county-a,rectification,90,评议组,
    county-a,self_review,80,评议组,
    county-b,rectification,50,评议组,整改不力
    county-b,self_review,60,评议组,
    """
)


def test_load_import_and_tally_on_the_design_formats(tmp_path, capsys):
    for name, text in (("spec.yaml", SPEC), ("r.csv", "\ufeff" + RESPONSES), ("s.csv", SCORES)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    call_command("campaign", "load", str(tmp_path / "spec.yaml"))
    call_command("responses", "import", "e2e-2026", str(tmp_path / "r.csv"))
    call_command("scores", "import", "e2e-2026", str(tmp_path / "s.csv"))
    capsys.readouterr()
    with during_evaluation():
        call_command("tally", "e2e-2026", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert (out["campaign"], out["scheme"], len(out["digest"])) == ("e2e-2026", "70/30 四等次", 64)
    results = {r["target"]: r for r in out["results"]}
    # 甲: 服务对象 (0.9·2 + 0.8)/3 = 13/15; 人大代表 0.5; 行风监督员 has no vote, so the
    # weights 0.6 and 0.2 are renormalised: f = (0.6·13/15 + 0.2·0.5)/0.8 = 0.775;
    # survey 70·0.775 = 54.25; rectification 20·0.9 = 18; self_review 10·0.8 = 8.
    assert results["county-a"] == {
        "target": "county-a",
        "name": "甲县局",
        "group": "县局",
        "responses": 4,
        "valid_votes": 4,
        "components": {"survey": 54.25, "inspection": 26, "rectification": 18, "self_review": 8},
        "total": 80.25,
        "grade": "满意",
        "rank": 1,
        "flags": [],
    }
    # 乙: 满意 only (不了解 is not a valid vote): 70·0.8 = 56; 20·0.5 = 10; 10·0.6 = 6.
    assert (results["county-b"]["total"], results["county-b"]["grade"]) == (72, "基本满意")
    assert (results["county-b"]["responses"], results["county-b"]["valid_votes"]) == (3, 2)
    assert results["county-b"]["rank"] == 2
    assert results["county-c"]["flags"] == ["exempt", "incomplete"]
    assert results["county-c"]["total"] is None
