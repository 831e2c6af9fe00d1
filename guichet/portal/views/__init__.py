"""Citizen portal views, one module per part of the journey.

Views parse, call a use case of `guichet.dossiers.services`, and render. Every dossier
page finds the dossier through the identities the session holds
(`guichet.portal.session.dossier_for_request`): someone else's file answers 404.
"""
