"""Operator commands: thin clients of the running stack's gateway.

``kaohe admin create-user|create-key``, ``kaohe import roster|tasks|attendance``, ``kaohe export
roster|tasks|attendance|results|allocation|template``, ``kaohe allocate`` and ``kaohe close``, a
module each. Each signs in (``--username``/``--password``, or ``--api-key``), calls the public API,
prints what came back as tables, and on an error answer prints the problem (title, detail, every
listed field or row) and exits with 1, never with a traceback. Progress and notices go to standard
error; results (and an API key, once) to standard output. What they share is in
:mod:`kaohe.operate.connection` and :mod:`kaohe.operate.printing`.
"""

from kaohe.operate.admin import app as admin_app
from kaohe.operate.allocation import allocate, allocation_comparison
from kaohe.operate.closing import close
from kaohe.operate.exports import app as export_app
from kaohe.operate.imports import app as import_app

__all__ = ["admin_app", "allocate", "allocation_comparison", "close", "export_app", "import_app"]
