"""The two labelled corpora, read through the bench's typed manifest reader.

- ``train``: ``corpus-train`` (976 files, 90 source repositories): what models are fitted on while a design is
  chosen;
- ``unseen``: the visible corpus ``shared/corpus`` (256 files, 36 other repositories): what a design is judged on.

No repository and no file is shared between them. Defaults: ``$VERACITY_TRAIN_CORPUS`` / ``$VERACITY_UNSEEN_CORPUS``
when set, else ``corpus-train`` and ``shared/corpus`` next to the repository (or one folder further up, for git
worktrees); trainers take ``--train-corpus`` / ``--unseen-corpus`` (``add_arguments``).

A row's score-file key is ``"<train|unseen>:<path relative to its corpus>"``; its group (for folds) is its
``source_repo``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from veracity.bench.manifest import ManifestRow, read_manifest

CorpusName = Literal["train", "unseen"]
CORPORA: tuple[CorpusName, ...] = ("train", "unseen")
REPO = Path(__file__).resolve().parents[1]
_FOLDERS: dict[CorpusName, tuple[str, str]] = {
    "train": ("VERACITY_TRAIN_CORPUS", "corpus-train"),
    "unseen": ("VERACITY_UNSEEN_CORPUS", "shared/corpus"),
}


def default_corpus(name: CorpusName) -> Path:
    """``$VERACITY_<NAME>_CORPUS``, else the first ``<repo>/../<folder>`` or ``<repo>/../../<folder>`` whose manifest's
    files are there (a checkout of the manifest alone, without its media, is passed over)."""
    variable, folder = _FOLDERS[name]
    configured = os.environ.get(variable)
    if configured:
        return Path(configured)
    candidates = [REPO.parent / folder, REPO.parent.parent / folder]
    for candidate in candidates:
        if _has_media(candidate):
            return candidate
    return candidates[0]


def _has_media(folder: Path) -> bool:
    manifest = folder / "MANIFEST.csv"
    if not manifest.is_file():
        return False
    rows = read_manifest(manifest)
    return bool(rows) and (folder / rows[0].path).is_file()


TRAIN_CORPUS = default_corpus("train")  # the defaults, resolved once (trainers: prefer --train-corpus)
UNSEEN_CORPUS = default_corpus("unseen")


@dataclass(frozen=True)
class Row:
    """One labelled file of either corpus."""

    corpus: CorpusName
    root: Path  # the corpus folder
    manifest: ManifestRow

    @property
    def path(self) -> Path:
        """Absolute path of the file."""
        return self.root / self.manifest.path

    @property
    def key(self) -> str:
        """``"<corpus>:<relative path>"``: the row's key in score files."""
        return f"{self.corpus}:{self.manifest.path}"

    @property
    def group(self) -> str:
        """The source repository: files of one group never sit on both sides of a fold."""
        return self.manifest.source_repo or self.manifest.path

    @property
    def y(self) -> int:
        """1 for fake, 0 for real."""
        return 1 if self.manifest.label == "fake" else 0

    @property
    def category(self) -> str:
        return self.manifest.category

    @property
    def generator(self) -> str:
        return self.manifest.generator

    @property
    def kind(self) -> str:
        return self.manifest.kind


def read_corpus(name: CorpusName, root: Path | None = None, *, categories: Sequence[str] | None = None,
                labelled_only: bool = True) -> list[Row]:
    """Rows of one corpus in manifest order; ``unknown`` labels left out unless ``labelled_only`` is false."""
    folder = Path(root) if root is not None else default_corpus(name)
    rows = [Row(name, folder.resolve(), r) for r in read_manifest(folder / "MANIFEST.csv")]
    return [r for r in rows if (not labelled_only or r.manifest.labelled)
            and (categories is None or r.category in categories)]


def read_both(train: Path | None = None, unseen: Path | None = None, *,
              categories: Sequence[str] | None = None) -> list[Row]:
    """Labelled rows of corpus-train, then of the visible corpus."""
    return (read_corpus("train", train, categories=categories)
            + read_corpus("unseen", unseen, categories=categories))


def split_key(key: str) -> tuple[CorpusName, str]:
    """``"train:audio/x.wav"`` -> ``("train", "audio/x.wav")``."""
    corpus, _, path = key.partition(":")
    if corpus not in CORPORA or not path:
        raise ValueError(f"not a score-file key: {key!r}")
    return corpus, path  # type: ignore[return-value]


def by_key(rows: Iterable[Row]) -> dict[str, Row]:
    return {r.key: r for r in rows}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--train-corpus`` and ``--unseen-corpus`` with this module's defaults."""
    parser.add_argument("--train-corpus", type=Path, default=None,
                        help=f"corpus-train folder (default: {default_corpus('train')})")
    parser.add_argument("--unseen-corpus", type=Path, default=None,
                        help=f"visible corpus folder (default: {default_corpus('unseen')})")


def from_arguments(args: argparse.Namespace) -> tuple[Path, Path]:
    """The (train, unseen) folders named on the command line, or the defaults."""
    return (Path(args.train_corpus) if args.train_corpus else default_corpus("train"),
            Path(args.unseen_corpus) if args.unseen_corpus else default_corpus("unseen"))


def view_job(prog: str, categories: Sequence[str],
             argv: Sequence[str] | None = None) -> tuple[list[Row], list[str], int]:
    """The command line of a view extractor (``training.picture_views``, ``training.clip_views``): the rows to
    extract (``--corpus``, ``--categories``), the views and the number of jobs."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--views", nargs="+", default=["aug", "plain", "laundered", "neutral"])
    parser.add_argument("--corpus", choices=["train", "unseen", "both"], default="both")
    parser.add_argument("--categories", nargs="+", default=list(categories))
    add_arguments(parser)
    args = parser.parse_args(argv)
    train, unseen = from_arguments(args)
    rows = [r for r in read_both(train, unseen, categories=args.categories) if args.corpus in ("both", r.corpus)]
    return rows, list(args.views), int(args.jobs)
