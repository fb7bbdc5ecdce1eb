"""Demo rule versions: `manager` has proposed a new version of ZZ23-3 (equity financing) from 2027,
which quotes nothing until a second program manager of ZZ23 (`manager2`) approves or rejects it
(issue 9: four-eyes on the money's rules). Made through the service, so the audit trail and the
parameter diff are real. Idempotent."""
import datetime

from institutes.models import Program
from subsidies.models import PolicyRuleVersion
from subsidies.services.rules import VersionData, propose_version

PROPOSAL = VersionData(
    code="ZZ23-3", document="郑政办〔2023〕6号 郑州市支持产业研究院建设实施方案", article="五（三）",
    title="未上市衍生企业股权融资补贴", rule_type="percentage",
    params={"fact": "investment", "rate": "0.10", "cap": "1500000"},
    payees=["enterprise"], cap_period="year", effective_from=datetime.date(2027, 1, 1),
    note="演示提案：单户上限由100万元调整为150万元，待第二位项目经理审核",
)


def seed(users, organizations):
    if PolicyRuleVersion.objects.filter(code=PROPOSAL.code, effective_from=PROPOSAL.effective_from).exists():
        return
    propose_version(users["manager"], Program.objects.get(code="ZZ23"), PROPOSAL)
