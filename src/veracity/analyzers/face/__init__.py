"""Faces over time: tracking plus the temporal and physical signals that expose face swaps, reenactment and lip-sync.

``_tracking`` streams the frames once (MediaPipe face detection + 468-point face mesh), builds tracks and keeps
only small per-frame measurements; every signal reads those from the analysis context (``face.tracks``).
"""
