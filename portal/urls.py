from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.accounts import views as account_views
from portal.dashboard.views import dashboard
from portal.health import healthz
from portal.notify import views as notify_views

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/register/", account_views.register, name="register"),
    path("accounts/invitations/<str:token>/", account_views.accept_invitation, name="accept_invitation"),
    path("organization/", account_views.organization_profile, name="organization_profile"),
    path("notifications/", notify_views.notification_list, name="notifications"),
    path("notifications/read/", notify_views.notification_mark_all_read, name="notifications_read"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("institutes.urls")),
    path("", include("reviews.urls")),
    path("", include("subsidies.urls")),
]
