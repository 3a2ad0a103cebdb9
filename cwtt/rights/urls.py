from django.urls import path

from . import views

urlpatterns = [
    path("children/<int:child_id>/record/", views.record, name="child_record"),
    path("children/<int:child_id>/record.pdf", views.record_pdf, name="child_record_pdf"),
    path("children/<int:child_id>/record.json", views.record_json, name="child_record_json"),
    path("children/<int:child_id>/correct/", views.correct, name="child_correct"),
]
