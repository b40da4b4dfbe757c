"""gunicorn's hooks for the web processes: `gunicorn -c recsite/gunicorn_conf.py recsite.wsgi ...`
(docs/DEPLOY.md). Loaded by path, this file imports nothing of the site in gunicorn's master process; the
hooks run in each worker, after it has loaded the app and before it takes its first request:

1. Django's system checks, as `runserver` and `migrate` run them: an error (recsite.E001, a TLS proxy
   trusted with no proxies counted, say) stops the worker, and gunicorn with it ("Worker failed to boot").
2. The sentence encoder (with one text encoded) and, when the database answers, the intent parser and the
   item vectors, so that no request in words pays for them (8-26 s under load when the first one did). A
   failure here is logged and the worker serves all the same: the first request in words then loads what
   is missing, as before.
3. Everything loaded so far (the models, the catalogue's titles: hundreds of thousands of objects) is
   moved out of the garbage collector's sight (`gc.freeze`): a full collection then walks only what
   requests make (tens of ms instead of 0.4-1 s, which the request that triggered it paid).

gunicorn's --timeout applies while a worker boots, so each step tells the master the worker is alive."""

import gc
import logging
import time

logger = logging.getLogger("recsite.gunicorn")

# The longest request line (method, path and query) a worker reads; longer is a 414 (declared in the schema).
# gunicorn's default, 4094 bytes, is shorter than the API's own requests: a 500-character request in words
# is up to 6,000 bytes once percent-encoded. 8190 is the most gunicorn takes short of no limit at all.
limit_request_line = 8190


def post_worker_init(worker) -> None:
    checks_refuse_errors()
    worker.notify()
    models_warm(notify=worker.notify)
    gc.collect()
    gc.freeze()


def checks_refuse_errors() -> None:
    """Raise ImproperlyConfigured naming every system check error (the silenced ones aside)."""
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    errors = [message for message in checks.run_checks() if message.is_serious() and not message.is_silenced()]
    if errors:
        raise ImproperlyConfigured(
            "system check errors; this process will not serve: " + "; ".join(str(error) for error in errors)
        )


def models_warm(*, notify=lambda: None) -> None:
    """Load the process's encoder and intent parser now. Never raises: a worker boots without them."""
    from django.db import connections

    from recommendations import serving
    from recommendations.vector_index import vector_index

    started = time.perf_counter()
    loaded = []
    try:
        serving.encoder().encode(["a film to warm up the encoder"])  # the weights and the first pass
        loaded.append("encoder")
        notify()
        serving.intent_parser()  # reads the catalogue: categories, titles, the model's order
        loaded.append("intent parser")
        vector_index()  # every item's vector, and the approximate-search graph when one is stored
        loaded.append("item vectors")
    except Exception:
        logger.warning("models not loaded at start: %s", ", ".join(loaded) or "none", exc_info=True)
    finally:
        connections.close_all()  # a request opens its own; this one would idle until the first
        notify()
    logger.info("loaded at start: %s in %.1f s", ", ".join(loaded) or "nothing", time.perf_counter() - started)
