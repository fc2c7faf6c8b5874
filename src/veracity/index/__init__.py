"""Near-duplicate index: perceptual fingerprints (PDQ for pictures and video frames, spectral landmarks for
sound) stored beside the scan results, and a search that finds every copy of a file and orders them by the
earliest evidence of when each existed."""
