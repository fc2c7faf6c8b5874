"""The one way Veracity runs analyses in isolated worker processes (``check`` batches, ``scan``, ``bench``,
``serve``): :mod:`veracity.engine.isolation` keeps the processes (time limit per call, kill and replace, a crash
costs one call, a memory limit per worker, workers die with their parent) and :mod:`veracity.engine.task` is the
one function they run, with one ``Scanner`` cache per process.
"""
