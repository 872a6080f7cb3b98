"""The administrator's Users page."""
