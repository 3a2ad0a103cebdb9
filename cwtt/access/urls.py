"""Signing in with a second factor, and getting back in after a forgotten password."""

from django.urls import path

from . import reset_views, views

urlpatterns = [
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/set-up-code/", views.sign_in_set_up_code, name="sign_in_set_up_code"),
    path("sign-in/forgotten/", reset_views.password_reset, name="password_reset"),
    path("sign-in/forgotten/sent/", reset_views.password_reset_done, name="password_reset_done"),
    path(
        "sign-in/forgotten/<uidb64>/<token>/",
        reset_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("sign-in/new-password/", reset_views.password_change_due, name="password_change_due"),
]
