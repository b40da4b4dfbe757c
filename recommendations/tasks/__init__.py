"""Celery tasks of the recommendations app, one module per service module (each imports only its own).

Workers import them through CELERY_IMPORTS; this package imports none of them, so no service module's
tasks reach another service module through it.
"""
