"""Forms of the entitlement and payout pages: filters, the yearly run, holds, building a batch,
failed payments, recoveries (追偿) and write-offs (核销)."""
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutes.models import Program
from portal.accounts.models import Region

from ..models import Entitlement, PayoutBatch
from ..services.entitlements import YEARLY_CODES

MAX_YEAR = 2100
MIN_YEAR = 2017


class EntitlementFilterForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.order_by("code"),
                                     to_field_name="code", required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=Region.objects.exclude(level=Region.Level.PROVINCE).order_by("path"),
        to_field_name="code", required=False,
    )
    state = forms.ChoiceField(label=_("Status"), choices=[("", "---------"), *Entitlement.State.choices],
                              required=False)
    q = forms.CharField(label=_("Payee"), required=False, max_length=100)


class RunForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=None, to_field_name="code")
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        programs = Program.objects.filter(code__in=YEARLY_CODES).order_by("code")
        if not user.has_role("finance"):
            programs = programs.filter(pk__in=user.managed_programs.all())
        self.fields["program"].queryset = programs
        self.fields["year"].initial = timezone.localdate().year - 1

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year cannot be in the future."))
        return year


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the hold"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class BuildBatchForm(forms.Form):
    title = forms.CharField(label=_("Batch title"), required=False, max_length=200)
    entitlements = forms.ModelMultipleChoiceField(
        label=_("Approved entitlements"), queryset=Entitlement.objects.none(), widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entitlements"].queryset = queryset


class FailLineForm(forms.Form):
    reason = forms.CharField(label=_("Reason the payment failed"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class PaidForm(forms.Form):
    day = forms.DateField(label=_("Paid on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    voucher_number = forms.CharField(label=_("Voucher number"), max_length=60,
                                     widget=forms.TextInput(attrs={"size": 14, "placeholder": "记-2026-0012"}))

    def clean_voucher_number(self):
        from ..services.payouts import clean_voucher_number

        return clean_voucher_number(self.cleaned_data["voucher_number"])

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return day


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to recover (yuan)"), max_digits=16, decimal_places=2,
                                min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    decision_document = forms.CharField(label=_("Decision document number"), required=False, max_length=120)


class WriteOffForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    decision_document = forms.CharField(label=_("Approving decision document number"), max_length=120)
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    decision_file = forms.FileField(label=_("Decision (PDF)"), required=False)

    def clean_decision_file(self):
        upload = self.cleaned_data.get("decision_file")
        if upload is None:
            return None
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("Upload the decision as a PDF file."))
        return upload

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The decision date cannot be in the future."))
        return day


class BatchFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), choices=[("", "---------"), *PayoutBatch.State.choices],
                              required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class BankAccountForm(forms.Form):
    """户名, 开户行, 账号 (digits only; spaces and dashes are stripped, letters refused)."""

    holder = forms.CharField(label=_("Account name"), max_length=200)
    bank = forms.CharField(label=_("Bank and branch"), max_length=200)
    number = forms.CharField(label=_("Account number"), max_length=60)
    reason = forms.CharField(label=_("Reason for the change"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("E.g. first registration, change of bank or account."))

    def clean_number(self):
        from ..services.payouts import clean_account_number

        return clean_account_number(self.cleaned_data["number"])
