from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import mark_all_read


@login_required
def notification_list(request):
    page = Paginator(Notification.objects.filter(recipient=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page})


@login_required
@require_POST
def notification_mark_all_read(request):
    mark_all_read(request.user)
    return redirect("notifications")
