"""Proposals, sales orders, invoices and purchase orders: lists, forms, PDFs and sample data."""
