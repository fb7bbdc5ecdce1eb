import functools
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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


@register.simple_tag
def state_badge(state, label):
    """A workflow state as a badge (includes/state_badge.html is this tag): a tag, not an include,
    because list pages show one per row. The colour tests are substring tests, as they always were."""
    state = str(state)
    if state in "approved":
        css = "bg-success"
    elif state in "rejected cancelled withdrawn":
        css = "bg-secondary"
    elif state in "returned revision_requested":
        css = "bg-warning text-dark"
    elif state == "draft":
        css = "bg-light text-dark border"
    else:
        css = "bg-primary"
    return format_html('<span class="badge {}" data-state="{}">{}</span>', css, state, label)


PLAIN_INPUTS = (forms.TextInput, forms.NumberInput, forms.EmailInput, forms.PasswordInput, forms.DateInput)


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html in Python."""
    return "".join(
        "" if value is False else f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
    )


def _select(widget, context) -> str:
    """django/forms/widgets/select.html and select_option.html in Python: one template include per
    option is most of the time a long select costs."""
    data = context["widget"]
    parts = [f'<select name="{conditional_escape(data["name"])}"{_attrs(data["attrs"])}>']
    for group_name, options, _index in data["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


@register.filter
def plain_field(field):
    """A form field as crispy-forms' Bootstrap 5 `as_crispy_field` renders it (wrapper, label with
    the required asterisk, the widget with its classes, errors, help text), built in Python for the
    text, number, e-mail, password and date inputs and plain selects that filter forms and the login
    and calculator forms use; any other widget goes to crispy itself."""
    widget = field.field.widget
    is_select = type(widget) is forms.Select
    if field.is_hidden or not (is_select or isinstance(widget, PLAIN_INPUTS)):
        return as_crispy_field(field)
    name = widget.__class__.__name__.lower()
    css = widget.attrs.get("class", "")
    css = css if name in css else f"{css} {name}".strip()
    css += " form-select" if is_select else " form-control"
    if field.errors:
        css += " is-invalid"
    if is_select:
        attrs = field.build_widget_attrs({"class": css}, widget)
        if field.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", field.auto_id)
        rendered = _select(widget, widget.get_context(field.html_name, field.value(), widget.build_attrs(widget.attrs, attrs)))
    else:
        rendered = str(field.as_widget(attrs={"class": css}))
    parts = [f'<div id="div_{field.auto_id}" class="mb-3{" " + field.css_classes() if field.css_classes() else ""}">']
    if field.label:
        required = field.field.required
        target = format_html(' for="{}"', field.id_for_label) if field.id_for_label else ""
        parts.append(format_html(
            '<label{} class="form-label{}">{}{}</label>', target, " requiredField" if required else "", field.label,
            mark_safe('<span class="asteriskField">*</span>') if required else "",
        ))
    parts.append(rendered)
    if field.errors:
        parts.append(f'<div id="{field.auto_id}_error" class="invalid-feedback">' + "".join(
            f'<p id="error_{n}_{field.auto_id}"><strong>{conditional_escape(error)}</strong></p>'
            for n, error in enumerate(field.errors, start=1)
        ) + "</div>")
    if field.help_text:
        parts.append(f'<div id="{field.auto_id}_helptext" class="form-text">{field.help_text}</div>')
    parts.append("</div>")
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def nav_menu(context):
    """The logged-in user's menu (includes/nav_menu.html). It reads only the user's roles and
    organisation, the language, the URLs and the translations, so each process renders it once for
    each such combination instead of reversing some 60 URLs on every page."""
    user = context["user"]
    return _nav_menu(translation.get_language(), settings.ROOT_URLCONF, get_script_prefix(),
                     tuple(sorted(user.role_names)), user.organization_id)


@functools.lru_cache(maxsize=2048)
def _nav_menu(language, urlconf, script_prefix, roles, organization_id):
    reader = SimpleNamespace(role_names=frozenset(roles), organization_id=organization_id)
    with translation.override(language):
        return mark_safe(render_to_string("includes/nav_menu.html", {"user": reader}))
