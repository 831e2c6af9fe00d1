"""Denunciations are not registered in the Django admin, on purpose.

Administrators must not even learn that a report exists (issue 10): only inspectors see
reports, through guichet/denunciations/views_inspection.py, with every read audited. The
rows are ciphertext anyway.
"""
