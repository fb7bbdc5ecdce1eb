"""The programs' scoring rubrics as data. `sync_rubrics` loads them (from a data migration with the
migration's historical models, or from `load_rubrics()` with the real ones). A rubric that has been
scored with is not rewritten in place: a changed rubric is a new version with a later
`effective_from` (`reviews.selectors.scoring.current_rubric` picks the one in force), and panels
keep the version they were drawn with. Criterion names are the documents' own terms (Chinese);
`guidance` restates what the document asks the expert to look at.

How the points were read from the documents
-------------------------------------------

HN23 application review (遴选认定工作规程 第六条 第三步(二)3). Experts score independently,
100 points in total, "按照拟建创新中心重点行业的符合性、创新中心依托载体的符合性、牵头单位要求的
符合性、创新中心建设方案要求的符合性以及其它条件的符合性"; the detailed point table is left to the
province ("具体评分标准由省工业和信息化厅会同省财政厅另行制定"). Until it is issued, the portal
weighs each dimension by how much of the implementation plan (实施方案 三) it covers:
  - key industry 15: one short test — the field is a key industry the province named (第五条);
  - carrier 20: the "公司+联盟" form, a joint-stock independent legal person, registered capital
    of at least 1000万元, members' contributions paid in (实施方案 二, 三(二)3);
  - lead-unit requirements 25: the five conditions of 实施方案 三(一);
  - construction plan 30: the eight points of 实施方案 三(二), the largest part of the application;
  - other conditions 10: openness, talent, credit — what the other four do not cover.
Pass mark 80: only applicants averaging 80 or more go on the site-inspection list
("从平均分 80 分以上的申报单位中确定现场考察单位名单").

HN23 recognition acceptance (第七条 第二步(二)1). The document lists seven check points and no
points; the portal gives the three that carry the centre's substance — enterprise-style operation
(1), technology roadmap and common key technologies (2), R&D team and transfer mechanism (3) — and
the members' contributions (4) the larger shares (15/20/20/15), and the plan (5), the expert
committee (6) and the alliance (7) 10 each. Pass mark 80, the same bar as the selection.

ZZ23 application review (第十条(二) 综合评审). ZZ23 names no point table; the portal's default
scores the lead unit's strength (第八条(一)(二)) 25, the construction plan 25, R&D input and
intellectual property (第八条(三)(四)) 20, industry–university–research cooperation 15 and the
expected results 15, with the same pass mark of 80 for the site-inspection list as the program's
`site_inspection_threshold`.

ZZ23 annual evaluation (第十三条; 实施方案 四). The six dimensions in the document's order; R&D
input and industrialisation weigh 20 and the other four 15, because the institute is defined by
research through to industrialisation ("集研发、中试、产业化、工程化于一体", 第二条) and the plan
singles out institutes whose results are transferred ("科技成果专项转化突出的产业研究院予以重点支持").
No pass mark: the grades (优秀 at most 20%, 良好, 合格, 不合格) are set by the evaluation, not by a
score bar.

SJZ22 annual evaluation (四(四)). The four aspects of the performance evaluation, 25 each, no pass
mark (one evaluation cycle is three years; 优秀 earns the post-subsidy).

XX22 annual performance evaluation (五(五)). The four things the yearly evaluation weighs —
research, transfer of results, industrialisation progress and the contribution to Xinxiang's
industry ("根据产研院科技研发、成果转化、产业化进度和对我市产业发展贡献等情况") — 25 each, no pass
mark; the targets of 10 achievements and 5 transfers a year are checked from the report, not scored
(reviews/grading_rules.py).

HN23 annual assessment (实施方案 四(五)). The centre is assessed against its annual construction
agreement ("根据年度建设协议……对各创新中心的建设和运行管理情况提出评估考核意见"): the agreement's
tasks weigh 40, then the centre's substance as in the acceptance — common key technologies and
transfer 20, enterprise-style operation 15, funds in and used 15, public service and openness 10.
Pass mark 60: below it the centre fails the year (6 months of rectification).

Every rubric flags an expert whose total lies more than 15 points from the item's panel mean
(`outlier_margin`).
"""
from decimal import Decimal

APPLICATION_REVIEW = "application_review"
ACCEPTANCE = "acceptance"
ANNUAL_EVALUATION = "annual_evaluation"

RUBRICS = [
    {
        "program": "HN23",
        "purpose": APPLICATION_REVIEW,
        "effective_from": "2023-03-27",
        "name": "河南省制造业创新中心培育单位遴选评分标准",
        "pass_mark": "80",
        "criteria": [
            ("key-industry", "拟建创新中心重点行业的符合性", "15",
             "申报方向领域是否属于省工业和信息化厅确定的重点行业，是否与国家和我省有关规划确定的发展重点相符。"),
            ("carrier", "创新中心依托载体的符合性", "20",
             "是否以“公司+联盟”形式组建；依托载体是否为股份制独立企业法人；注册资本不少于1000万元；"
             "股东及成员单位资金组建方案与出资到位情况。"),
            ("lead-unit", "牵头单位要求的符合性", "25",
             "领先优势和研发实力，近5年承担并完成国家或省级重点研发项目，省（部）级以上创新载体，"
             "有效发明专利或软件著作权，产学研合作和成果转化经验，先进的设施装备与高端人才。"),
            ("construction-plan", "创新中心建设方案要求的符合性", "30",
             "技术方向、目标与技术路线；组建成员与不少于30人的研发队伍；持续投入与商业运行模式；"
             "发展规划；章程与运营机制；组织架构与技术专家委员会；开放合作与知识产权；人才培养。"),
            ("other-conditions", "其它条件的符合性", "10",
             "信用状况良好，近三年无环境、安全、知识产权和税务等违法行为；其他有利于创新中心建设的条件。"),
        ],
    },
    {
        "program": "HN23",
        "purpose": ACCEPTANCE,
        "effective_from": "2023-03-27",
        "name": "河南省制造业创新中心考核验收评分标准",
        "pass_mark": "80",
        "criteria": [
            ("legal-person", "独立法人注册与企业化运行", "15",
             "依托载体是否按建设方案完成独立法人注册；是否建立责权明晰的董事会和经营管理团队；"
             "是否自主决策、自主经营、自我管理，实现企业化运行。"),
            ("roadmap", "技术路线图实施与公共服务", "20",
             "是否制定明确的技术路线图并开始组织实施；共性关键技术研究是否取得进展或阶段性成果；"
             "是否开展面向行业的公共服务。"),
            ("rd-capability", "研发队伍、成果转化机制与中试检测能力", "20",
             "是否建立相对稳定的研发队伍及市场化的知识产权与技术成果转化机制；"
             "是否具备中试条件及相应的科研、检验检测能力。"),
            ("contributions", "成员出资与研发投入到位", "15",
             "各成员单位是否按约定完成资产划转或资金投入；研发投入是否到位；"
             "各类投资能否满足依托载体基本运行需要。"),
            ("plan", "中长期规划与建设方案实施", "10", "是否制定并实施了创新中心中长期规划及具体的建设方案。"),
            ("expert-committee", "专家委员会作用", "10", "是否成立了专家委员会，并有效发挥作用。"),
            ("alliance", "产业（技术创新）联盟", "10", "是否成立了产业（技术创新）联盟或完成了原联盟的变更。"),
        ],
    },
    {
        "program": "ZZ23",
        "purpose": APPLICATION_REVIEW,
        "effective_from": "2023-01-20",
        "name": "郑州市产业研究院综合评审评分标准",
        "pass_mark": "80",
        "criteria": [
            ("lead-unit-strength", "牵头单位实力", "25",
             "行业地位（龙头、领航、单项冠军、专精特新“小巨人”等）；高新技术企业与省级以上创新平台；"
             "近5年完成国家或省重点研发项目、获奖或示范项目。"),
            ("construction-plan", "建设方案", "25", "研究方向、建设目标、技术路线和建设预算是否明确、合理、可行。"),
            ("rd-and-ip", "研发投入与知识产权", "20",
             "近三年研发投入强度；本领域有效发明专利、软件著作权等知识产权；研发和中试的设施、设备与人员。"),
            ("cooperation", "产学研合作", "15", "联合高校、科研院所和产业链上下游企业的广度与深度，参与单位的实质性贡献。"),
            ("expected-results", "预期成效", "15", "共性关键技术突破、成果转化与产业化、对产业链的带动作用。"),
        ],
    },
    {
        "program": "ZZ23",
        "purpose": ANNUAL_EVALUATION,
        "effective_from": "2023-01-20",
        "name": "郑州市产业研究院综合绩效评价指标",
        "pass_mark": None,
        "criteria": [
            ("rd-input", "研发投入力度", "20", "年度研发经费投入及占营业收入比重，研发人员与设施投入。"),
            ("achievement-value", "科技成果价值", "15", "新增专利、标准、新产品等科技成果的数量与水平。"),
            ("industrialisation", "科技成果产业化成效", "20", "成果转移转化、中试熟化与产业化形成的收入和效益。"),
            ("talent", "人才培育引进", "15", "高层次人才和创新团队的引进、培养情况。"),
            ("industry-progress", "推进产业技术进步的贡献", "15", "共性关键技术攻关、公共技术服务对行业的带动作用。"),
            ("institutional-innovation", "体制机制创新", "15", "运行机制、激励机制、投入机制等方面的创新。"),
        ],
    },
    {
        "program": "SJZ22",
        "purpose": ANNUAL_EVALUATION,
        "effective_from": "2022-01-19",
        "name": "石家庄市产业技术研究院绩效评价指标",
        "pass_mark": None,
        "criteria": [
            ("technology-development", "技术开发", "25", "产业共性关键技术研发与集成、成套工艺与重大装备开发。"),
            ("achievement-transfer", "成果转化", "25", "科技成果转移转化、中试熟化与推广应用。"),
            ("incubation", "企业孵化", "25", "孵化、衍生科技型企业的数量与成长情况。"),
            ("economic-contribution", "对石家庄市经济贡献", "25", "带动产业发展、新增产值与税收等经济贡献。"),
        ],
    },
]

RUBRICS += [
    {
        "program": "XX22",
        "purpose": ANNUAL_EVALUATION,
        "effective_from": "2022-01-30",
        "name": "新乡市产业研究院年度绩效评价指标",
        "pass_mark": None,
        "criteria": [
            ("research", "科技研发", "25", "新研发科技成果的数量与水平，承担揭榜挂帅等任务情况。"),
            ("transfer", "成果转化", "25", "转移转化先进技术的数量与成效。"),
            ("industrialisation", "产业化进度", "25", "中试熟化、产业化项目推进与形成的产值。"),
            ("local-contribution", "对我市产业发展贡献", "25", "对新乡市优势产业和产业链发展的带动作用。"),
        ],
    },
    {
        "program": "HN23",
        "purpose": ANNUAL_EVALUATION,
        "effective_from": "2023-03-27",
        "name": "河南省制造业创新中心年度评估考核指标",
        "pass_mark": "60",
        "criteria": [
            ("agreement-tasks", "年度建设协议任务完成情况", "40", "对照年度建设协议，逐项核查建设任务和目标的完成情况。"),
            ("key-technologies", "共性关键技术研发与成果转化", "20", "技术路线图实施、共性关键技术突破与成果转移扩散。"),
            ("operation", "企业化运行与管理", "15", "董事会和经营管理团队运行、自负盈亏与自主发展的进展。"),
            ("funds", "资金投入与使用", "15", "成员单位出资、研发投入到位及资金使用情况。"),
            ("public-service", "公共服务与开放合作", "10", "面向行业的公共服务、开放合作与人才培养。"),
        ],
    },
]

OUTLIER_MARGIN = "15"


def sync_rubrics(Rubric, RubricCriterion, Program) -> None:
    """Create or update the rubrics above and their criteria; idempotent. Criteria the catalogue
    does not name are left alone. The model arguments may be a migration's historical models
    (fields the historical model lacks are left out)."""
    programs = {p.code: p for p in Program.objects.filter(code__in={r["program"] for r in RUBRICS})}
    rubric_fields = {f.name for f in Rubric._meta.get_fields()}
    for spec in RUBRICS:
        defaults = {
            "name": spec["name"],
            "pass_mark": Decimal(spec["pass_mark"]) if spec["pass_mark"] is not None else None,
            "outlier_margin": Decimal(OUTLIER_MARGIN),
        }
        rubric, _created = Rubric.objects.update_or_create(
            program=programs[spec["program"]], purpose=spec["purpose"], effective_from=spec["effective_from"],
            defaults={key: value for key, value in defaults.items() if key in rubric_fields},
        )
        for order, (code, name, points, guidance) in enumerate(spec["criteria"], start=1):
            RubricCriterion.objects.update_or_create(
                rubric=rubric, code=code,
                defaults={"name": name, "max_points": Decimal(points), "guidance": guidance, "order": order},
            )


def load_rubrics() -> None:
    """sync_rubrics with the project's models (reference data for test databases and commands)."""
    from institutes.models import Program

    from .models import Rubric, RubricCriterion

    sync_rubrics(Rubric, RubricCriterion, Program)
