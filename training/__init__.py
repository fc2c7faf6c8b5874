"""Training code for Veracity's shipped models (torch lives here only; never imported by the runtime package).

Run a trainer as ``python -m training.<module>`` from the repository root (``make train`` runs them all). Shared
pieces: ``corpora`` (the two labelled corpora), ``metrics`` (one AUC, decisions at a band, shortcut checks),
``calibration`` (one Platt scaling), ``cards`` (model cards and metrics files) and ``protocol`` (the fixed
train → unseen protocol and its score files). ``training/README.md`` states the protocol.
"""
