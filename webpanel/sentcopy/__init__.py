"""A copy of each message sent by SMTP in the person's Sent folder, over IMAP (issue 12).

``models`` holds each person's IMAP settings and each message's copy state, ``services`` makes
the copy after the send (outside any transaction, within the mail deadline), ``views`` the
settings section on the SMTP tab, Find folders and Retry copy.
"""
