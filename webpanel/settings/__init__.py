"""Each person's Email tab: General, SMTP, Gmail and Outlook sub-tabs, and Send Test."""
