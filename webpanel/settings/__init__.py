"""The email settings store, without screens: each person's email and IMAP settings, the
known mail servers, passwords bound to where they were saved, provider presets and MX look-ups,
whether a way of sending is ready, the notes of changes, and the transport factories the
sending registry names. The Email tab's screens are in ``webpanel.emailtab``."""
