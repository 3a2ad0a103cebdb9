from django.urls import path

from . import views

urlpatterns = [
    path("children/<int:child_id>/notes/", views.note_add_view, name="note_add"),
]
