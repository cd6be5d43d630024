"""Render steps on a Dask cluster (``publish build --scheduler tcp://HOST:PORT``).

A build that outgrows one machine hands its render and index steps to an existing distributed engine
instead of a scheduler of our own: ``executor.py`` is the client side (an :class:`~publish.executors.Executor`
the runner drives like its local pools), ``worker.py`` what runs on each worker. ``distributed`` is an
optional dependency; nothing here imports it until a scheduler is asked for.
"""
