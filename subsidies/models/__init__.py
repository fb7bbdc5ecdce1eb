"""Rule versions, claims, entitlements, payout batches and notices. One module per concern;
everything is importable from `subsidies.models`."""
from .notices import Notice, NoticeSerial  # noqa: F401  (E: PDF notices)
from .entitlements import Entitlement, EntitlementRun  # noqa: F401  (D)
from .payouts import ExportFile, PayeeAccount, PayoutBatch, PayoutLine, Recovery, WriteOff  # noqa: F401  (D)
from .rules import PolicyRuleVersion  # noqa: F401  (C)
from .claims import Claim, ClaimAttachment, ClaimPayee  # noqa: F401  (C)
