"""Voice analysis: speech activity, AASIST, our own voice forensics, speaker consistency (audio and video sound)."""
