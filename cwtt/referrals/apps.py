from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "cwtt.referrals"
    label = "referrals"
    verbose_name = "Referrals"
