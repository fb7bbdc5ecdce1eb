"""Forms of the claim pages: the claim (event, subject, facts of its rule, payees, institute), the
evidence upload, the manager's decision and the queue filters."""
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutes.models import Institute
from portal.accounts.models import Organization
from subsidies.awards import identifier_of
from subsidies.calculator import PAYEES
from subsidies.models import Claim
from subsidies.scope import scope_of
from subsidies.services.claims import ClaimData

from .facts import PREFIX, FactFields

PAYEE_PREFIX = "payee_"


def institute_choices(user, version):
    """The institutes a claim may name: the unit's own, and (for a spin-off) the institutes in
    operation of the programs the rule's document covers (subsidies.scope)."""
    scope = scope_of(version.code) if version is not None else None
    mine = Q(lead_unit_id=user.organization_id)
    if scope is None or not scope.needs_institute:
        return Institute.objects.filter(mine)
    return Institute.objects.filter(
        mine | Q(program__code__in=scope.institute_programs, state__in=Institute.OPERATING_STATES)
    ).select_related("lead_unit").order_by("name", "pk")


class ClaimForm(forms.Form):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    event_date = forms.DateField(
        label=_("Date of the event"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Listing day, award date, contract date …: the rule version in force that day applies."),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200,
        help_text=_("A short description of the event (the product, patent, standard, project, bond issue …). "
                    "It does not make a new award: a “once” award is paid once per payee and level."),
    )
    institute = forms.ModelChoiceField(label=_("Institute"), queryset=Institute.objects.none(), required=False)

    def __init__(self, *args, user, version, claim=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.version = version
        self.fields["institute"].queryset = institute_choices(user, version)
        self.fact_fields = FactFields(self, version, staff_flags=False)
        self.identifier = identifier_of(version.code) if version is not None else None
        if self.identifier is not None:
            self.fields["award_identifier"] = forms.CharField(
                label=self.identifier.label, max_length=120, help_text=self.identifier.help_text,
            )
        self.payee_roles = list(version.payees) if version is not None and len(version.payees) > 1 else []
        for role in self.payee_roles:
            self.fields[PAYEE_PREFIX + role] = forms.CharField(
                label=_("Unified social credit code of the %(payee)s") % {"payee": PAYEES[role]},
                required=False, max_length=18,
                help_text=_("Leave empty when your organisation is the %(payee)s.") % {"payee": PAYEES[role]},
            )
        if claim is not None and not self.is_bound:
            self.initial.update({
                "seen_version": claim.version, "event_date": claim.event_date, "subject": claim.subject,
                "institute": claim.institute_id, "award_identifier": claim.award_identifier,
                **self.fact_fields.initial_from(claim.facts),
                **{PAYEE_PREFIX + row.role: row.organization.uscc for row in claim.payees.all()},
            })
        elif not self.is_bound:
            first = self.fields["institute"].queryset.filter(lead_unit_id=user.organization_id).first()
            self.initial["institute"] = first.pk if first else None

    def clean_award_identifier(self):
        value = " ".join(self.cleaned_data["award_identifier"].split())
        error = self.identifier.error(value)
        if error:
            raise forms.ValidationError(error)
        return value

    def clean(self):
        data = super().clean()
        self.payee_organizations = {}
        for role in self.payee_roles:
            uscc = (data.get(PAYEE_PREFIX + role) or "").strip().upper()
            if not uscc:
                continue
            organization = Organization.objects.filter(uscc=uscc).first()
            if organization is None:
                self.add_error(PAYEE_PREFIX + role, _("No registered organisation has this credit code."))
            elif organization.pk != self.user.organization_id:
                self.payee_organizations[role] = organization
        return data

    def claim_data(self) -> ClaimData:
        data = self.cleaned_data
        return ClaimData(
            event_date=data["event_date"], subject=data["subject"].strip(), facts=self.fact_fields.payload(),
            institute=data.get("institute"), payees=self.payee_organizations,
            award_identifier=data.get("award_identifier", ""),
        )

    def fact_bound_fields(self):
        return self.fact_fields.bound_fields()

    def payee_bound_fields(self):
        return [self[PAYEE_PREFIX + role] for role in self.payee_roles]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG/PNG image, Word or Excel."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class DecisionForm(forms.Form):
    DECISIONS = [
        ("approve", _("Approve")),
        ("return", _("Return for revision")),
        ("reject", _("Reject")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return or reject; the applicant reads it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("return", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason; the applicant reads it."))
        return data


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All"))] + [(p.code, p.code) for p in programs]
        self.fields["state"].choices = [("", _("All"))] + [
            choice for choice in Claim.State.choices if choice[0] != Claim.State.DRAFT
        ]


__all__ = ["PREFIX", "ClaimForm", "ClaimFilterForm", "DecisionForm", "EvidenceForm"]
