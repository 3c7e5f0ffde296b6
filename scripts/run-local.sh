#!/usr/bin/env bash
# `make run`: the studio, the sidecar API and a local worker on embedded defaults (SQLite, local
# storage, mail to data/mail.log), until Ctrl-C. Ports: POSER_STUDIO_PORT (8501), POSER_API_PORT (8000).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
API_PORT=${POSER_API_PORT:-8000}
export POSER_API_URL=${POSER_API_URL:-http://127.0.0.1:$API_PORT}
mkdir -p data
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$PY" -m uvicorn embed_api.main:app_from_settings --factory --host 127.0.0.1 --port "$API_PORT" --log-level warning &
pids+=($!)
# the API migrates the database on start: wait for it before the worker opens the same database
for _ in $(seq 1 60); do
  "$PY" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$API_PORT/docs" \
    >/dev/null 2>&1 && break
  sleep 0.5
done
"$PY" -m services.worker &
pids+=($!)
STUDIO_PORT=${POSER_STUDIO_PORT:-8501}
"$PY" -m streamlit run streamlit_app.py --server.headless true --server.address 127.0.0.1 --server.port "$STUDIO_PORT" &
pids+=($!)
cat <<MSG

  Poser is running on embedded defaults (data in ./data):
    studio:                  http://127.0.0.1:$STUDIO_PORT
    API + interactive docs:  http://127.0.0.1:$API_PORT/docs
    worker:                  analyses queued through the API run here
    sign-in codes and mail:  data/mail.log
  'make demo' analyses an example clip with the CLI instead.
  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
