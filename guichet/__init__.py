"""Guichet: an online services counter for a public administration."""
