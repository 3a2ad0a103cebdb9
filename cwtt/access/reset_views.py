"""The forgotten-password pages, built on Django's password reset views, and the page where a
person swaps a one-time password for their own (cwtt/access/password_reset.py; decision 0055).
The request and link pages are public; they show no personal data but the username of the
account a valid link belongs to, which the person needs to sign in."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policy
from .password_reset import (
    EMAIL_LIMIT,
    ResetRefused,
    password_changed_after_reset,
    password_reset_complete,
    password_reset_request,
    reset_tokens,
)

# The session flag the sign-in sets when a one-time password must be changed first.
CHANGE_DUE = "cwtt_password_change_due"


class ResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        max_length=EMAIL_LIMIT,
        error_messages={
            "required": gettext_lazy("Enter the e-mail address your account has."),
            "invalid": gettext_lazy("Enter an e-mail address, like name@example.org."),
            "max_length": gettext_lazy("That is longer than any e-mail address can be."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ResetRequestView(auth_views.PasswordResetView):
    """Ask for a link. The same answer whatever the address: no one learns from this page
    whether an address has an account."""

    form_class = ResetRequestForm
    template_name = "web/password_reset_request.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Not Django's form.save(), which mails inside the request: ours leaves through the
        # task queue after commit, as all mail does, with the token made only then.
        password_reset_request(
            email=form.cleaned_data["email"],
            client=self.request.META.get("REMOTE_ADDR", ""),
            site=f"{self.request.scheme}://{self.request.get_host()}",
        )
        return HttpResponseRedirect(self.get_success_url())


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """The page the e-mailed link opens. Django's view checks the token and moves it out of the
    address into the session before the form is shown; a used, expired or altered link, or one
    for a disabled account, shows that the link no longer works."""

    template_name = "web/password_reset_confirm.html"
    token_generator = reset_tokens
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        try:
            password_reset_complete(user=form.user, password=form.cleaned_data["new_password1"])
        except ResetRefused as refused:
            form.add_error(None, str(refused))
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Your new password is saved. Sign in with your username and your new password."),
        )
        return HttpResponseRedirect(self.get_success_url())


class ChangeDueView(auth_views.PasswordChangeView):
    """Choose your own password in place of the one-time password a colleague gave you."""

    template_name = "web/password_change_due.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)  # saves it and keeps this sign-in
        password_changed_after_reset(user=form.user)
        self.request.session.pop(CHANGE_DUE, None)
        messages.success(self.request, _("Your new password is saved."))
        return response


password_reset = policy.public(ResetRequestView.as_view())
password_reset_done = policy.public(ResetDoneView.as_view())
password_reset_confirm = policy.public(ResetConfirmView.as_view())
password_change_due = policy.guarded(ChangeDueView.as_view())
