from django.urls import path

from . import views

urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("my-class/", views.my_class, name="my_class"),
    path("caseloads/", views.team_caseloads, name="caseloads"),
]
