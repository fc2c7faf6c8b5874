"""Models: shipped files, models inside packages, and published weights fetched into the model store.

See ``veracity.models.registry``; ``veracity models list`` shows what is there.
"""
