"""Who may see what of the support desk: THE one place. Agents (the support role's permission) see every request;
a signed-in person sees their own requests and their attachments, never internal notes nor their files."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from reelhouse.accounts.roles import SUPPORT, staff_permission_required

agent_required = staff_permission_required(SUPPORT)  # every desk page and action


def is_agent(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(SUPPORT))


def may_see_ticket(user, ticket) -> bool:
    return is_agent(user) or (user.is_authenticated and ticket.user_id is not None and ticket.user_id == user.pk)


def may_see_message(user, message) -> bool:
    if message.kind == message.Kind.NOTE:
        return is_agent(user)
    return may_see_ticket(user, message.ticket)


def requester_ticket(view):
    """Views of one request by its reference for its requester (or an agent): someone else's request is a 404, so
    references cannot be probed."""

    @wraps(view)
    @login_required
    def guarded(request, reference, *args, **kwargs):
        from reelhouse.support.models import Ticket

        ticket = Ticket.objects.filter(reference=reference).first()
        if ticket is None or not may_see_ticket(request.user, ticket):
            raise Http404("No such request.")
        return view(request, ticket, *args, **kwargs)

    return guarded
