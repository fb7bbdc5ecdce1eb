"""The policy calculator: one §7 request in, who is paid how much and why out.

    quote({"rule": "ZZ23-3", "date": "2024-05-10", "facts": {"investment": "8000000"},
           "paid_in_period": "300000"})
    → {"rule": "ZZ23-3", "eligible": True,
       "payouts": [{"payee": "enterprise", "amount": "700000.00"}], "trace": [...]}

Pure: no database. `versions` is any iterable of RuleVersion (default: the catalog), so
versions kept in the database quote the same way.
"""
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.formatting import yuan_wan

from .catalog import DEFAULT_VERSIONS
from .errors import QuoteInputError
from .facts import Facts, parse_money, shown
from .money import ZERO, as_decimal, to_fen
from .rule_types import PAYEES, Ineligible, Share
from .versions import CAP_PERIODS, RuleVersion, select_version

REQUIRED_KEYS = {"rule", "date"}
OPTIONAL_KEYS = {"facts", "paid_in_period"}


def quote(payload: dict, versions: Iterable[RuleVersion] | None = None) -> dict:
    """Quote one event. Raises QuoteInputError on bad input; an event that earns nothing
    is an answer with "eligible": false, no payouts and the reason in the trace."""
    code, day, facts, paid = _read_request(payload)
    known = [version for version in (DEFAULT_VERSIONS if versions is None else versions) if version.code == code]
    if not known:
        raise QuoteInputError(_("Unknown rule %(rule)s.") % {"rule": shown(code)})
    version = select_version(known, code, day)
    if version is None:
        return _not_eligible(code, [], _outside_windows(code, day, known))
    _check_fact_names(version, facts)
    trace = [_describe(version)]
    try:
        shares = version.kind.evaluate(version.params, version.payees, Facts(code, facts), trace)
    except Ineligible as reason:
        return _not_eligible(code, trace, str(reason))
    # In the version's payee order: parameters stored as PostgreSQL jsonb come back with their keys re-ordered.
    shares = sorted(shares, key=lambda share: version.payees.index(share.payee))
    payouts = _payouts(shares, _paid_by_payee(paid, version.payees), version, trace)
    if not payouts:
        return _not_eligible(code, trace, _("nothing is due after the cap and rounding to the fen."))
    for payee, amount in payouts:
        trace.append(_("Pays the %(payee)s %(amount)s.") % {"payee": PAYEES[payee], "amount": yuan_wan(amount)})
    return _answer(code, payouts, trace)


def guide_notes(version: RuleVersion | None, facts: dict) -> list[str]:
    """What a person must know before trusting a quote of `version` with `facts`: an approved amount
    above the rule's guide amount (SJZ22 四（六）"100万元左右": a guide amount, staff may approve more)."""
    if version is None or version.rule_type != "approved_amount" or version.params.get("maximum") is None:
        return []
    fact, maximum = version.params["fact"], version.params["maximum"]
    amount = as_decimal(facts.get(fact))
    if amount is None or amount <= maximum:
        return []
    return [
        _(
            "%(amount)s is above the guide amount of %(rule)s (%(article)s: about %(maximum)s per project):"
            " only staff may approve more, and they must record why."
        )
        % {"amount": yuan_wan(amount), "rule": version.code, "article": version.article, "maximum": yuan_wan(maximum)}
    ]


def _read_request(payload) -> tuple[str, date, dict, Decimal | dict[str, Decimal]]:
    if not isinstance(payload, dict):
        raise QuoteInputError(_("The request must be a JSON object."))
    missing, unknown = sorted(REQUIRED_KEYS - payload.keys()), sorted(payload.keys() - REQUIRED_KEYS - OPTIONAL_KEYS)
    if missing or unknown:
        raise QuoteInputError(
            _("The request needs %(required)s and may have %(optional)s; missing: %(missing)s; unknown: %(unknown)s.")
            % {
                "required": "rule, date",
                "optional": "facts, paid_in_period",
                "missing": ", ".join(missing) or "-",
                "unknown": ", ".join(unknown) or "-",
            }
        )
    facts = payload.get("facts", {})
    if not isinstance(facts, dict):
        raise QuoteInputError(_('"facts" must be a JSON object.'))
    return payload["rule"], _read_date(payload["date"]), facts, _read_paid(payload.get("paid_in_period", ZERO))


def _read_date(value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise QuoteInputError(
            _('"date" must be a date written as YYYY-MM-DD; got %(value)s.') % {"value": shown(value)}
        ) from None


def _read_paid(value) -> Decimal | dict[str, Decimal]:
    """One amount (for every payee), or {payee: amount} for rules that pay several payees."""
    if isinstance(value, dict):
        return {payee: parse_money(f"paid_in_period.{payee}", amount) for payee, amount in value.items()}
    return parse_money("paid_in_period", value)


def _paid_by_payee(paid, payees: tuple[str, ...]) -> dict[str, Decimal]:
    if not isinstance(paid, dict):
        return dict.fromkeys(payees, paid)
    unknown = sorted(set(paid) - set(payees))
    if unknown:
        raise QuoteInputError(
            _('"paid_in_period" names payees this rule does not pay: %(unknown)s; it pays: %(payees)s.')
            % {"unknown": ", ".join(unknown), "payees": ", ".join(payees)}
        )
    return {payee: paid.get(payee, ZERO) for payee in payees}


def _check_fact_names(version: RuleVersion, facts: dict) -> None:
    allowed = version.kind.fact_names(version.params)
    unknown = sorted(set(facts) - allowed)
    if unknown:
        raise QuoteInputError(
            _("Rule %(rule)s does not use the facts %(unknown)s; it reads: %(allowed)s.")
            % {"rule": version.code, "unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or "-"}
        )


def _describe(version: RuleVersion) -> str:
    return _("%(rule)s %(title)s — %(document)s %(article)s; version in force %(window)s.") % {
        "rule": version.code,
        "title": version.title,
        "document": version.document,
        "article": version.article,
        "window": version.window(),
    }


def _outside_windows(code: str, day: date, versions: list[RuleVersion]) -> str:
    return _("%(date)s is outside the effective window of %(rule)s (%(windows)s).") % {
        "date": day.isoformat(),
        "rule": code,
        "windows": "; ".join(version.window() for version in versions),
    }


def _payouts(shares: list[Share], paid_by_payee: dict[str, Decimal], version: RuleVersion, trace: list) -> list:
    """Each share cut to its cap and rounded half up to the fen; payees left with nothing dropped."""
    payouts = []
    for share in shares:
        amount = to_fen(_within_cap(share, paid_by_payee[share.payee], version, trace))
        if amount > 0:
            payouts.append((share.payee, amount))
    return payouts


def _within_cap(share: Share, paid: Decimal, version: RuleVersion, trace: list) -> Decimal:
    """The share, cut to what is left of its cap after `paid`."""
    left = max(share.cap - paid, ZERO)
    trace.append(
        _("Cap for the %(payee)s %(period)s: %(cap)s; already paid %(paid)s; left %(left)s.")
        % {
            "payee": PAYEES[share.payee],
            "period": CAP_PERIODS[version.cap_period],
            "cap": yuan_wan(share.cap),
            "paid": yuan_wan(paid),
            "left": yuan_wan(left),
        }
    )
    return min(share.amount, left)


def _not_eligible(code: str, trace: list, reason: str) -> dict:
    return _answer(code, [], trace + [_("Not eligible: %(reason)s") % {"reason": reason}])


def _answer(code: str, payouts: list[tuple[str, Decimal]], trace: list) -> dict:
    return {
        "rule": code,
        "eligible": bool(payouts),
        "payouts": [{"payee": payee, "amount": str(amount)} for payee, amount in payouts],
        "trace": trace,
    }
