"""Demo claims: the demo applicant's unit has an approved equity-financing claim (ZZ23-3, with its
entitlement), a submitted standard award (ZZ23-9A) waiting in the manager's queue and a draft
technology-introduction claim (ZZ17-5); the second applicant's unit has a spin-off listing claim
(XX22-3) returned for revision. Made through the services, so the timelines are real. Idempotent.

Wire it from demo.data.seed():  `claims.seed(users, organizations)`."""
import datetime

from django.db import transaction

from portal.workflow import WorkflowError
from subsidies.models import Claim
from subsidies.services import claims as service
from subsidies.services.claims import ClaimData

CLAIMS = [
    # applicant, rule, event date, subject, facts, then: "approve" | "submit" | "return" | None (draft)
    # (the identifier of a once-per-thing award, e.g. the standard number, is in IDENTIFIERS)
    ("applicant", "ZZ23-3", datetime.date(2024, 6, 18), "郑州智能装备衍生企业A轮股权融资",
     {"investment": "6000000"}, "approve"),
    ("applicant", "ZZ23-9A", datetime.date(2024, 9, 3), "GB/T 43210-2024 智能产线通用技术要求",
     {"level": "national"}, "submit"),
    ("applicant", "ZZ17-5", datetime.date(2024, 11, 20), "引进高精度减速器技术",
     {"transaction_amount": "3500000"}, None),
    ("applicant2", "XX22-3", datetime.date(2024, 8, 8), "衍生企业新三板挂牌",
     {"board": "neeq"}, "return"),
]

IDENTIFIERS = {"ZZ23-9A": "GB/T 43210-2024"}


@transaction.atomic
def seed(users: dict, organizations: dict | None = None) -> int:
    """Create the demo claims once; returns how many were made."""
    filers = {users[key] for key, *_rest in CLAIMS if key in users}
    if Claim.objects.filter(organization__in=[user.organization_id for user in filers]).exists():
        return 0
    manager = users.get("manager")
    made = 0
    for key, code, day, subject, facts, then in CLAIMS:
        user = users.get(key)
        if user is None or user.organization_id is None:
            continue
        try:
            with transaction.atomic():
                claim = service.create_claim(user, code, ClaimData(
                    event_date=day, subject=subject, facts=facts, institute=user.organization.institutes.first(),
                    award_identifier=IDENTIFIERS.get(code, "")))
                if then:
                    service.submit_claim(claim, user)
                    claim.refresh_from_db()
                if then == "approve" and manager:
                    service.approve_claim(claim, manager, comment="材料齐全，符合政策规定。")
                if then == "return" and manager:
                    service.return_claim(claim, manager, "请补充全国中小企业股份转让系统挂牌公告。")
        except WorkflowError:
            continue  # e.g. a unit the demo grades barred: the claim is left out
        made += 1
    return made
