"""Demo claims: the demo applicant's unit, a spin-off of 郑州市新材料产业研究院, has an approved
equity-financing claim (ZZ23-3, with its entitlement), a listing claim (ZZ23-4) returned for
revision and a draft technology-introduction claim (ZZ17-5); the second applicant's unit, lead unit of
that institute, has a standard award (ZZ23-9A) waiting in the manager's queue. Each claim names the
institute its program's scope asks for (subsidies.scope) and carries its evidence. Made through the
services, so the timelines are real. Idempotent.

Wire it from demo.data.seed():  `claims.seed(users, organizations)`."""
import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from institutes.models import Institute

from portal.workflow import WorkflowError
from subsidies.models import Claim
from subsidies.services import claims as service
from subsidies.services.claims import ClaimData

INSTITUTE = "郑州市新材料产业研究院"
CLAIMS = [
    # applicant, rule, event date, subject, facts, institute, then: "approve" | "submit" | "return" | None (draft)
    # (the identifier of a once-per-thing award, e.g. the standard number, is in IDENTIFIERS)
    ("applicant", "ZZ23-3", datetime.date(2024, 6, 18), "郑州智能装备衍生企业A轮股权融资",
     {"investment": "6000000"}, INSTITUTE, "approve"),
    ("applicant2", "ZZ23-9A", datetime.date(2024, 9, 3), "GB/T 43210-2024 智能产线通用技术要求",
     {"level": "national"}, INSTITUTE, "submit"),
    ("applicant", "ZZ17-5", datetime.date(2024, 11, 20), "引进高精度减速器技术",
     {"transaction_amount": "3500000"}, None, None),
    ("applicant", "ZZ23-4", datetime.date(2024, 8, 8), "衍生企业新三板挂牌",
     {"board": "neeq", "qianqi": True}, INSTITUTE, "return"),
]
# A one-page PDF standing in for the scanned evidence.
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

IDENTIFIERS = {"ZZ23-9A": "GB/T 43210-2024"}


@transaction.atomic
def seed(users: dict, organizations: dict | None = None) -> int:
    """Create the demo claims once; returns how many were made."""
    filers = {users[key] for key, *_rest in CLAIMS if key in users}
    if Claim.objects.filter(organization__in=[user.organization_id for user in filers]).exists():
        return 0
    manager = users.get("manager")
    made = 0
    for key, code, day, subject, facts, institute_name, then in CLAIMS:
        user = users.get(key)
        if user is None or user.organization_id is None:
            continue
        institute = Institute.objects.filter(name=institute_name).first() if institute_name else None
        try:
            with transaction.atomic():
                claim = service.create_claim(user, code, ClaimData(event_date=day, subject=subject, facts=facts,
                                                                   institute=institute,
                                                                   award_identifier=IDENTIFIERS.get(code, "")))
                service.add_evidence(claim, user, SimpleUploadedFile("证明材料.pdf", EVIDENCE_PDF), "证明材料")
                if then:
                    service.submit_claim(claim, user)
                    claim.refresh_from_db()
                if then == "approve" and manager:
                    service.approve_claim(claim, manager, comment="材料齐全，符合政策规定。")
                if then == "return" and manager:
                    service.return_claim(claim, manager, "请补充全国中小企业股份转让系统挂牌公告及“千企展翼”条件证明。")
        except WorkflowError:
            continue  # e.g. a unit the demo grades barred: the claim is left out
        made += 1
    return made
