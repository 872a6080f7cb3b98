# Example instance configuration: copy to config.py in the instance folder and edit.
# Every setting is optional; the environment variables in README.md override these.

# Seconds a whole conversation with a mail server, or one call to Google or Microsoft, may take,
# from connect to the last byte (keep it well below the web worker's timeout).
# MAIL_TIMEOUT = 10

# The slowest upload to allow for, in bytes per second (125000 is 1 Mbit/s): a message gets its
# size over this rate on top of MAIL_TIMEOUT, up to half of WORKER_TIMEOUT in all; 0: no more.
# MAIL_UPLOAD_RATE = 125_000

# The largest message the panel sends, in bytes.
# MAIL_MAX_BYTES = 20 * 1024 * 1024

# Microsoft Graph's largest request (the Outlook API); checked before anything is sent.
# GRAPH_REQUEST_LIMIT = 4 * 1024 * 1024

# Mail servers (host and port) that have not yet worked for a person: at most this many
# different ones per window (seconds), Send Test, sending and Retry together. A server through
# which their mail went never counts again. Administrators are not limited; 0 lifts the limit.
# NEW_MAIL_SERVER_LIMIT = 10
# NEW_MAIL_SERVER_WINDOW = 3600

# Only these mail hosts may be used ("*.example.com": any server under example.com).
# Empty (the default): any host.
# MAIL_ALLOWED_HOSTS = ["smtp.office365.com", "*.example.com"]

# Reverse proxies in front of the panel (usually 1) whose X-Forwarded-For, -Proto and -Host are
# believed: each person's own address counts for the sign-in limit, and cookies are Secure when
# the proxy says HTTPS. 0 (the default): the headers are ignored.
# TRUSTED_PROXIES = 1

# Send cookies only over HTTPS (set when the panel is behind an HTTPS reverse proxy).
# SESSION_COOKIE_SECURE = True
# REMEMBER_COOKIE_SECURE = True

# How long a sign-in lasts on the server, from sign-in: with "Remember me" (the remember-me
# cookie lasts as long) and without. Seconds, or a timedelta (from datetime import timedelta).
# SIGN_IN_LIFETIME = 14 * 86400
# SIGN_IN_LIFETIME_UNREMEMBERED = 12 * 3600

# Bounce reports one check looks at per person; the rest are read by the next checks (a flood
# of reports is worked through over several). Each check also stops at half of MAIL_TIMEOUT.
# BOUNCE_REPORTS_PER_CHECK = 500

# Minutes (1 to 60) between the background worker's readings of everyone's bounce reports
# (a divisor of 60, like 5, 10 or 15, keeps the gaps even).
# BOUNCE_CHECK_MINUTES = 5

# Cached PDFs (instance/pdf-cache) rendered longer ago than this (seconds) are removed, then the
# oldest while the folder is larger than PDF_CACHE_MAX_BYTES (the worker's prune at 03:00, `flask
# maintenance prune`, and hourly as the cache adds files).
# PDF_CACHE_MAX_AGE = 30 * 86400
# PDF_CACHE_MAX_BYTES = 500 * 1024 * 1024

# The background worker's queue: unset for a file in the instance folder (queue.db), or Redis
# when several panel machines share one PostgreSQL database (also WEBPANEL_QUEUE_URL).
# QUEUE_URL = "redis://127.0.0.1:6379/0"
# Seconds between the worker's heartbeats; the panel counts it as stopped after three missed.
# WORKER_HEARTBEAT = 10
# Automatic retry of a send whose failure may pass: attempts in all, and seconds before each.
# SEND_ATTEMPTS = 6
# SEND_RETRY_SECONDS = [60, 300, 900, 3600]

# Google and Microsoft app registrations. When set here they win over the Integrations page.
# GOOGLE_CLIENT_ID = "....apps.googleusercontent.com"
# GOOGLE_CLIENT_SECRET = "..."
# MICROSOFT_CLIENT_ID = "..."
# MICROSOFT_CLIENT_SECRET = "..."
# MICROSOFT_TENANT = "common"
# MICROSOFT_LARGE_MESSAGES = True   # Outlook API messages over 4 MB (asks for Mail.ReadWrite)

# Endpoints default to Google's and Microsoft's real services; override only to point the
# panel at a test stand-in.
# GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
# GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
# GOOGLE_REVOKE_URL = "https://oauth2.googleapis.com/revoke"
# GOOGLE_USERINFO_URL = "https://openidconnect.googleapis.com/v1/userinfo"
# GMAIL_API_BASE_URL = "https://gmail.googleapis.com/"
# GMAIL_UPLOAD_BASE_URL = "https://gmail.googleapis.com/upload/"
# MICROSOFT_AUTHORITY_URL = "https://login.microsoftonline.com/"
# GRAPH_API_BASE_URL = "https://graph.microsoft.com/v1.0/"
