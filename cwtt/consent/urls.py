from django.urls import path

from . import views

urlpatterns = [
    path("children/<int:child_id>/consent/", views.child_consent, name="consent"),
]
