"""The public policy calculator: anyone, no account. A GET form (a quote changes nothing, and the
address can be shared): choose a rule, then enter the date and the facts its rule type reads."""
from datetime import date

from django.shortcuts import render
from django.urls import path

from subsidies.calculator import PAYEES, QuoteInputError, RuleDefinitionError, quote, select_version
from subsidies.calculator.engine import guide_notes
from subsidies.selectors.rules import calculator_rules

from ..forms.calculator import CalculatorForm


def _version_for(versions, code: str, day_text: str):
    """The version whose facts the form asks: the one in force on the date given, else the latest."""
    known = [version for version in versions if version.code == code]
    if not known:
        return None
    try:
        chosen = select_version(known, code, date.fromisoformat(day_text))
    except (ValueError, RuleDefinitionError):
        chosen = None
    return chosen or max(known, key=lambda version: version.effective_from)


def calculator(request):
    groups, versions = calculator_rules()
    code = request.GET.get("rule", "")
    version = _version_for(versions, code, request.GET.get("date", ""))
    answer, notes = None, []
    if "calculate" in request.GET:
        form = CalculatorForm(request.GET, groups=groups, version=version)
        if form.is_valid():
            payload = form.payload()
            notes = guide_notes(version, payload["facts"])
            try:
                answer = quote(payload, versions)
            except (QuoteInputError, RuleDefinitionError) as error:
                form.add_error(None, str(error))
    else:
        # "Show the facts" keeps what was typed (the date, facts the new rule shares)
        form = CalculatorForm(initial=request.GET.dict() if version else None, groups=groups, version=version)
    payouts = [
        {"payee": PAYEES[row["payee"]], "amount": row["amount"]} for row in (answer or {}).get("payouts", [])
    ]
    return render(request, "subsidies/calculator.html", {
        "form": form, "version": version, "answer": answer, "payouts": payouts, "notes": notes,
    })


urlpatterns = [
    path("calculator/", calculator, name="calculator"),
]
