"""Payment reminders: the office's plan, each invoice's ladder, and the worker job that sends
each level once (a row per invoice and level, unique, claimed before anything is sent)."""
