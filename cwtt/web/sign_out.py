"""Signing out also tells the browser to forget what this site stored on the device: the
encrypted offline store and the cached offline page (the Clear-Site-Data header). The page's
own script (static/web/device.js) deletes them too, after warning about anything not yet sent,
for browsers that ignore the header."""

from django.contrib.auth import views as auth_views

from cwtt.access.policy import public


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


sign_out = public(SignOutView.as_view())
