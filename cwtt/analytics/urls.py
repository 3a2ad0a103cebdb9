from django.urls import path

from . import views

urlpatterns = [
    path("evidence/", views.evidence_page, name="evidence"),
]
