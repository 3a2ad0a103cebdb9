from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "cwtt.access"
    label = "access"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from .audit import audit_record
        from .idle import LAST_ACTIVITY, now
        from .models import AuditEntry, PasswordChangeDue
        from .reset_views import CHANGE_DUE

        def signed_in(sender, request, user, **kwargs):
            audit_record(action=AuditEntry.Action.SIGN_IN, actor=user)
            # Signing in is activity: the idle count starts again, even when the session
            # carried over from an earlier sign-in of the same person.
            session = getattr(request, "session", None)
            if session is not None:
                session[LAST_ACTIVITY] = now()
                # A one-time password from a colleague: their own is chosen first.
                if PasswordChangeDue.objects.filter(user=user).exists():
                    session[CHANGE_DUE] = True

        def signed_out(sender, request, user, **kwargs):
            if user is not None:
                audit_record(action=AuditEntry.Action.SIGN_OUT, actor=user)

        def sign_in_failed(sender, credentials, request=None, **kwargs):
            audit_record(
                action=AuditEntry.Action.SIGN_IN_FAILED,
                actor_name=str(credentials.get("username", ""))[:150],
            )

        signals.user_logged_in.connect(signed_in, dispatch_uid="cwtt-audit-sign-in", weak=False)
        signals.user_logged_out.connect(signed_out, dispatch_uid="cwtt-audit-sign-out", weak=False)
        signals.user_login_failed.connect(
            sign_in_failed, dispatch_uid="cwtt-audit-sign-in-failed", weak=False
        )
