"""Campaigns: many runs over terrains, routes, rovers and planners (rover sweep)."""
