"""Recurring documents: a document repeats on a schedule; each run makes the next document
(a new number, its dates moved by the interval) and emails it or leaves it as a draft."""
