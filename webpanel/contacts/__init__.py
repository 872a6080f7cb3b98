"""Customers and vendors: the people and companies documents are addressed to."""
