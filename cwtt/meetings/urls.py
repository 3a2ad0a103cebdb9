from django.urls import path

from . import views

urlpatterns = [
    path("schools/<int:school_id>/meetings/", views.school_meetings, name="school_meetings"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/minutes.pdf", views.minutes_pdf, name="meeting_minutes"),
]
