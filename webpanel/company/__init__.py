"""The administrator's Company page: the name and address that head every PDF."""
