"""WSGI entry point for Guichet (gunicorn guichet.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
application = get_wsgi_application()
# What start-up made (modules, models, settings: about 70,000 objects) lives as long as the
# worker: kept out of the collector's full passes, which otherwise stop a request for 25 ms
# and more every few dozen requests (decision 0017).
gc.freeze()
