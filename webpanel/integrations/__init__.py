"""The administrator's Integrations page: the panel's Google and Microsoft app registrations."""
