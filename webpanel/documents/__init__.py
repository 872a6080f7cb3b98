"""Documents of every kind (see kinds): lists, forms, PDFs and sample data.

Importing the package loads nothing else, so `webpanel.documents.kinds` is readable from any
package; create_app registers the blueprint from `webpanel.documents.blueprint`.
"""
