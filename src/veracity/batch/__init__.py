"""Batch scanning: file discovery, a resumable SQLite result store, a local process pool and a Ray backend."""
