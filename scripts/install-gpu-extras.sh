#!/usr/bin/env bash
# Install the optional SAM2 tracking backend (torch, hydra-core, iopath, sam2)
# into a venv, idempotently:  scripts/install-gpu-extras.sh [VENV]   (default .venv)
#
# - Skips everything when `import sam2, torch` already works in the venv.
# - sam2 1.1.0 is an sdist that requires torchvision; it is installed with
#   --no-deps and a build constraint pinning torch, so neither torchvision nor
#   a second (CUDA) torch is ever pulled in.
# - On a machine without an NVIDIA GPU, it refuses to install a CUDA build of
#   torch (checked with a dry run before anything is downloaded, and again
#   after the install). Set POSER_ALLOW_CUDA_TORCH=1 to lift that check.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
PY="$VENV/bin/python"
SAM2_VERSION=1.1.0
[ -x "$PY" ] || { echo "install-gpu-extras: no python at $PY (create the venv first)" >&2; exit 1; }

if "$PY" -c "import sam2, torch" 2>/dev/null; then
  echo "GPU extras already installed: $("$PY" -c 'import sam2, torch; print("torch", torch.__version__, "cuda", torch.version.cuda)')"
  exit 0
fi

has_gpu=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then has_gpu=1; fi
constraints=(-c constraints.txt -c constraints-gpu.txt)

if [ "$has_gpu" = 0 ] && [ "${POSER_ALLOW_CUDA_TORCH:-0}" != 1 ]; then
  # resolve first (wheel metadata only) and stop if pip would pick a CUDA torch
  report=$(mktemp)
  trap 'rm -f "$report"' EXIT
  "$PY" -m pip install --quiet --dry-run --ignore-installed --report "$report" -r requirements-gpu.txt "${constraints[@]}"
  torch_version=$("$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print(next((i['metadata']['version'] for i in r['install'] if i['metadata']['name'].lower()=='torch'), ''))" "$report")
  case "$torch_version" in
    *+cpu) ;;
    *) echo "install-gpu-extras: no NVIDIA GPU here, but pip would install torch '$torch_version' (a CUDA build, several GB)." >&2
       echo "  Put the CPU wheel on a find-links path or index, or set POSER_ALLOW_CUDA_TORCH=1." >&2
       exit 1 ;;
  esac
fi

"$PY" -m pip install --quiet -r requirements-gpu.txt "${constraints[@]}"
build_constraint="$PWD/build-constraints-gpu.txt"
# --no-deps: sam2 requires torchvision, which must not be installed (see requirements-gpu.txt)
# (pip then warns that torchvision is missing: expected, filtered from the log)
log=$(mktemp)
if ! PIP_BUILD_CONSTRAINT="$build_constraint" "$PY" -m pip install --quiet --no-deps "${constraints[@]}" \
  "sam2==$SAM2_VERSION" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
grep -vi "torchvision" "$log" >&2 || true
rm -f "$log"

"$PY" - "$has_gpu" <<'PY'
import sys

import sam2.build_sam  # noqa: F401 - the import is the check
import torch

has_gpu = sys.argv[1] == "1"
print(f"GPU extras installed: torch {torch.__version__} (cuda {torch.version.cuda}), sam2 ok, cuda available: {torch.cuda.is_available()}")
if not has_gpu and torch.version.cuda is not None:
    import os

    if os.environ.get("POSER_ALLOW_CUDA_TORCH") != "1":
        sys.exit("install-gpu-extras: a CUDA torch was installed on a machine without a GPU")
PY
