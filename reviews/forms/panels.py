"""Forms of the panel pages: choosing the batch and drawing, appointing the leader and the deputy,
replacing a member, answering an invitation, and the list filters."""
from django import forms
from django.utils.translation import gettext_lazy as _

from institutes.models import Application, IndustryField

from ..models import Expert, Panel, PanelMember
from ..selectors.panels import candidate_items


class PanelScopeForm(forms.Form):
    """Which program, purpose and field the new panel serves (chosen first, by GET)."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=None, to_field_name="code")
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Panel.Purpose.choices,
                                initial=Panel.Purpose.APPLICATION_REVIEW)
    industry_field = forms.ModelChoiceField(
        label=_("Industry field"), queryset=IndustryField.objects.order_by("code"), to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = user.managed_programs.order_by("code")


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, item):
        if isinstance(item, Application):
            return f"{item.reference} · {item.organization.name} · {item.title}"
        return f"{item.name} · {item.lead_unit.name}"


class PanelDrawForm(PanelScopeForm):
    size = forms.TypedChoiceField(
        label=_("Number of experts"), choices=[(n, n) for n in (3, 4, 5)], coerce=int, initial=5,
    )
    name = forms.CharField(
        label=_("Panel name"), required=False, max_length=200,
        help_text=_("Leave empty for “program field purpose date”."),
    )
    items = ItemChoiceField(label=_("Items to review"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, scope: dict | None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        items = self.fields["items"]
        items.queryset = candidate_items(user, **scope) if scope else Application.objects.none()
        if scope:
            items.help_text = _("Every item of the batch counts for the conflicts of interest of every expert.")


class PanelFilterForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *Panel.State.choices])

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs"))] + [(p.code, p.name) for p in programs]


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member):
        return f"{member.expert.name} ({member.expert.employer_name})"


class AppointRolesForm(forms.Form):
    leader = MemberChoiceField(label=_("Leader (a management expert)"), queryset=PanelMember.objects.none())
    deputy = MemberChoiceField(label=_("Deputy leader (a technical expert)"), queryset=PanelMember.objects.none())

    def __init__(self, *args, panel: Panel, **kwargs):
        super().__init__(*args, **kwargs)
        accepted = panel.members.filter(status=PanelMember.Status.ACCEPTED).select_related("expert")
        self.fields["leader"].queryset = accepted.filter(expert__kind=Expert.Kind.MANAGEMENT)
        self.fields["deputy"].queryset = accepted.filter(expert__kind=Expert.Kind.TECHNICAL)


class ReplaceMemberForm(forms.Form):
    status = forms.ChoiceField(label=_("Why"), widget=forms.RadioSelect, initial=PanelMember.Status.DECLINED, choices=[
        (PanelMember.Status.DECLINED, _("The expert declined or cannot attend")),
        (PanelMember.Status.CONFLICT, _("The expert has a conflict of interest")),
    ])
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput)


class InvitationResponseForm(forms.Form):
    ACCEPT, DECLINE, CONFLICT = "accept", "decline", "conflict"

    answer = forms.ChoiceField(widget=forms.HiddenInput, choices=[
        (ACCEPT, _("Accept")), (DECLINE, _("Decline")), (CONFLICT, _("Declare a conflict of interest")),
    ])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("answer") in (self.DECLINE, self.CONFLICT) and not data.get("reason", "").strip():
            self.add_error("reason", _("Please give the reason for declining."))
        return data
