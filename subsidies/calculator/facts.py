"""Reading the facts of a quote request: each value checked, with a clear message when wrong."""
import json
from decimal import Decimal

from django.utils.translation import gettext as _

from .errors import QuoteInputError
from .money import MAX_AMOUNT, as_decimal


def shown(value) -> str:
    """A value as the caller wrote it in JSON, for error messages."""
    return json.dumps(value, default=str, ensure_ascii=False)


def parse_money(name: str, value) -> Decimal:
    """A non-negative amount in yuan with at most two decimal places, below MAX_AMOUNT."""
    number = as_decimal(value)
    if number is None:
        raise QuoteInputError(
            _('"%(name)s" must be an amount in yuan written as a decimal string such as "1234.50"; got %(value)s.')
            % {"name": name, "value": shown(value)}
        )
    if number < 0:
        raise QuoteInputError(_('"%(name)s" must not be negative; got %(value)s.') % {"name": name, "value": number})
    if number.as_tuple().exponent < -2:
        raise QuoteInputError(
            _('"%(name)s" has more than two decimal places; amounts are in yuan to the fen. Got %(value)s.')
            % {"name": name, "value": number}
        )
    if number >= MAX_AMOUNT:
        raise QuoteInputError(
            _('"%(name)s" is too large: amounts must be below %(limit)s yuan.')
            % {"name": name, "limit": f"{MAX_AMOUNT:,}"}
        )
    return number


class Facts:
    """The facts of one request for one rule, read by name and checked on the way."""

    def __init__(self, rule: str, values: dict):
        self.rule = rule
        self.values = values

    def _get(self, name: str):
        if name not in self.values:
            raise QuoteInputError(_('Rule %(rule)s needs the fact "%(fact)s".') % {"rule": self.rule, "fact": name})
        return self.values[name]

    def money(self, name: str) -> Decimal:
        return parse_money(name, self._get(name))

    def rate(self, name: str, low: Decimal, high: Decimal) -> Decimal:
        value = self._get(name)
        number = as_decimal(value)
        if number is None or not low <= number <= high:
            raise QuoteInputError(
                _('"%(fact)s" must be a decimal rate from %(low)s to %(high)s for rule %(rule)s; got %(value)s.')
                % {"fact": name, "low": low, "high": high, "rule": self.rule, "value": shown(value)}
            )
        return number

    def choice(self, name: str, options, default: str | None = None) -> str:
        """One of `options`; `default` when the fact is absent and a default is given."""
        if default is not None and name not in self.values:
            return default
        value = self._get(name)
        if not isinstance(value, str) or value not in options:
            raise QuoteInputError(
                _('Unknown %(fact)s %(value)s for rule %(rule)s; expected one of: %(options)s.')
                % {"fact": name, "value": shown(value), "rule": self.rule, "options": ", ".join(options)}
            )
        return value

    def flag(self, name: str, default: bool | None = None) -> bool:
        """true or false; `default` when the fact is absent and a default is given."""
        if default is not None and name not in self.values:
            return default
        value = self._get(name)
        if not isinstance(value, bool):
            raise QuoteInputError(
                _('"%(fact)s" must be true or false; got %(value)s.') % {"fact": name, "value": shown(value)}
            )
        return value

    def year_index(self, name: str) -> int:
        """A whole number from 1: 1 is the first year of support."""
        value = self._get(name)
        number = as_decimal(value)
        if number is None or number != number.to_integral_value() or number < 1:
            raise QuoteInputError(
                _('"%(fact)s" must be a whole number from 1; got %(value)s.') % {"fact": name, "value": shown(value)}
            )
        return int(number)
