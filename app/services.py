"""Cooperatives under their old module name, kept until callers move to `app.cooperatives`."""

from app.cooperatives import (
    cooperatives_of_staff,
    deactivate_cooperative,
    get_cooperative,
    get_cooperative_by_id,
    list_cooperatives,
    staff_cooperative,
)

__all__ = [
    "cooperatives_of_staff",
    "deactivate_cooperative",
    "get_cooperative",
    "get_cooperative_by_id",
    "list_cooperatives",
    "staff_cooperative",
]
