"""Workshop use cases. Each is one transaction: check, write, commit, then broadcast."""

from app.workshops.services.items import (  # noqa: F401
    edit_item,
    propose_item,
    set_item_hidden,
    withdraw_item,
)
from app.workshops.services.participants import (  # noqa: F401
    find_by_code,
    join,
    participant_in,
)
from app.workshops.services.workshops import (  # noqa: F401
    anonymity_kept,
    archive_workshop,
    create_workshop,
    duplicate_workshop,
    editable_workshop,
    list_workshops,
    set_private_ideation,
    set_submissions_open,
    update_workshop,
    usual_cluster,
    workshop_for_staff,
)
