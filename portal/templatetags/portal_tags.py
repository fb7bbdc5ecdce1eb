from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

from portal import formatting

register = template.Library()


def _decimal(value):
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def yuan(value):
    amount = _decimal(value)
    return "—" if amount is None else formatting.yuan(amount)


@register.filter
def wan(value):
    amount = _decimal(value)
    return "—" if amount is None else formatting.wan(amount)


@register.filter
def days_since(moment):
    if not moment:
        return ""
    return (timezone.localdate() - timezone.localtime(moment).date()).days


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()
