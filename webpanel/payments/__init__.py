"""Payments received against invoices: Mark as paid, partial payments, Undo, and the
invoice's status that follows (Not sent, Sent, Overdue, Partly paid, Paid)."""
