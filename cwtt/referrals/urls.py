from django.urls import path

from . import views

urlpatterns = [
    path("children/<int:child_id>/referrals/", views.child_referrals, name="child_referrals"),
    path("children/<int:child_id>/referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/", views.my_referrals, name="my_referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/letter/", views.referral_letter, name="referral_letter"),
    # Public: a provider without an account answers here (docs/referrals.md).
    path("referral-feedback/<str:token>/", views.referral_feedback, name="referral_feedback"),
]
