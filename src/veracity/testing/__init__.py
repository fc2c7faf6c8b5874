"""Media made in code for tests, benchmarks and training: photos, JPEG round trips, clips, tones and the
real-world container shapes intake must survive. Nothing here is imported by the analysis itself.
"""
