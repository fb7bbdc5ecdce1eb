"""The views around an object's private attachments (an application's, an annual report's, a
claim's evidence): upload through the form and the service, download only after the owner's
permission check, delete through the service. Each owner module builds its three views with
`attachment_views(...)`."""
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from portal.workflow import WorkflowError

from .uploads import private_file_response


def attempt(request, action: Callable, success: str) -> bool:
    """Run one service call: a refusal (WorkflowError) or a rejected file (ValidationError) becomes
    an error message, else `success` is shown. True when it went through."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)
        return True
    return False


def upload_from_form(request, form, store: Callable, success: str) -> bool:
    """The body of an upload view: validate the upload `form` (its errors become one message), then
    `store(form.cleaned_data)` (the service) through `attempt`. True when stored."""
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return False
    return attempt(request, lambda: store(form.cleaned_data), success)


def attachment_views(*, owner: Callable, change_permission: str, model, owner_field: str, form,
                     store: Callable, remove: Callable, detail: str, uploaded: str, removed: str):
    """(upload, download, delete) views of `model` rows attached to an owner.

    owner(request, pk[, permission]) → the owner, 404 when the user cannot see it and 403 without
    the permission (the owner's view permission when none is given: downloads); uploads and deletes
    need `change_permission`. store(owner, user, cleaned_data, request) and remove(attachment, user,
    request) are the services; `detail` is the url name of the owner's page, where every POST
    returns; `uploaded` and `removed` are the success messages (translated when the view runs)."""

    @login_required
    @require_POST
    def upload(request, pk):
        obj = owner(request, pk, change_permission)
        upload_from_form(request, form(request.POST, request.FILES),
                         lambda data: store(obj, request.user, data, request), str(uploaded))
        return redirect(detail, pk=pk)

    @login_required
    def download(request, pk, attachment_pk):
        attachment = get_object_or_404(model, pk=attachment_pk, **{owner_field: owner(request, pk)})
        return private_file_response(attachment.file, attachment.original_name, attachment.content_type)

    @login_required
    @require_POST
    def delete(request, pk, attachment_pk):
        attachment = get_object_or_404(model, pk=attachment_pk, **{owner_field: owner(request, pk, change_permission)})
        attempt(request, lambda: remove(attachment, request.user, request), str(removed))
        return redirect(detail, pk=pk)

    return upload, download, delete
