"""The embedded demo: demo accounts and files, totp_code, and the page of demo sign-in codes.

Nothing here exists for a real deployment: the commands refuse to run and the page has no
URL unless `GUICHET_DEMO` is on, and production settings turn it off.
"""
