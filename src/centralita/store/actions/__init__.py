"""Actions: every change of stored state goes through one `do_<verb>_<noun>` function.

Each action runs in the caller's transaction (`store.transaction()`), writes its rows and
exactly one event describing the change, and raises a `CentralitaError` (nothing written)
when the input is wrong. Events are published only after the commit.
"""

from centralita.store.actions.contacts import do_add_contact_phone, do_create_contact
from centralita.store.actions.desktop import (
    do_record_station,
    do_set_campaign_form,
    do_submit_wrapup,
)
from centralita.store.actions.interactions import do_record_interaction, do_record_wrapup
from centralita.store.actions.monitoring import do_record_monitoring
from centralita.store.actions.people import (
    do_add_team_member,
    do_create_site,
    do_create_team,
    do_create_tenant,
    do_create_user,
    do_grant_tenant,
    do_set_agent_skill,
)
from centralita.store.actions.routing import (
    do_add_campaign_number,
    do_create_campaign,
    do_create_disposition,
    do_create_pause_reason,
    do_create_queue,
    do_create_skill,
)
from centralita.store.actions.sessions import do_record_sign_in, do_record_sign_in_failure

__all__ = [
    "do_add_campaign_number",
    "do_add_contact_phone",
    "do_add_team_member",
    "do_create_campaign",
    "do_create_contact",
    "do_create_disposition",
    "do_create_pause_reason",
    "do_create_queue",
    "do_create_site",
    "do_create_skill",
    "do_create_team",
    "do_create_tenant",
    "do_create_user",
    "do_grant_tenant",
    "do_record_interaction",
    "do_record_monitoring",
    "do_record_sign_in",
    "do_record_sign_in_failure",
    "do_record_station",
    "do_record_wrapup",
    "do_set_agent_skill",
    "do_set_campaign_form",
    "do_submit_wrapup",
]
