"""The two second-factor screens: enrol an authenticator app (QR code), and enter its code."""

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        help_text=_("Six digits. A new code appears every 30 seconds."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == self.device.digits):
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows."))
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("Too many wrong codes. Wait a few seconds, then enter the newest code."))
        return code


def _next_page(request):
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return settings.LOGIN_REDIRECT_URL


def _wrong_code(form):
    form.add_error("code", _("That code is not right, or it was already used. Enter the newest code."))


@login_required
def verify(request):
    """The code from an enrolled app, once per session."""
    if request.user.is_verified() or not two_factor.needs_two_factor(request.user):
        return redirect(_next_page(request))
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_page(request))
        _wrong_code(form)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_page(request)})


@login_required
def setup(request):
    """First sign-in of a supervisor or administrator: scan the QR code, then prove it with a code.

    Only while the user has no enrolled device: replacing one takes an administrator's reset, so a
    stolen password alone can never enrol a new phone.
    """
    if request.user.is_verified() or not two_factor.needs_two_factor(request.user):
        return redirect(_next_page(request))
    if two_factor.confirmed_device(request.user) is not None:
        return redirect("two_factor_verify")
    device = two_factor.enrolment_device(request.user)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm_enrolment(device, form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_page(request))
        _wrong_code(form)
    address = device.config_url(settings.TWO_FACTOR_ISSUER)
    # An SVG image as a data: address: no file written, and the content security policy allows it.
    qr_code = segno.make(address, error="m").svg_data_uri(scale=5)
    context = {"form": form, "qr_code": qr_code, "secret": _grouped(device.base32_secret), "next": _next_page(request)}
    return render(request, "registration/two_factor_setup.html", context)


def _grouped(secret):
    """ABCD EFGH …: easier to type from the screen into a phone."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
