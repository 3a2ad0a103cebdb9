"""Signing in with a second factor: the pages between the password and the rest of CWTT."""

from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/set-up-code/", views.sign_in_set_up_code, name="sign_in_set_up_code"),
]
