"""Sign-in, sign-out, first-run setup and password changes."""
