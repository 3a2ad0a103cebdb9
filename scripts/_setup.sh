# Shared set-up for scripts/demo and scripts/test: a virtual environment with the locked
# dependencies, created on first use and refreshed whenever pyproject.toml or the lock change.
# Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      PYTHON="$candidate"
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "CWTT needs Python 3.11 or newer; none was found on PATH." >&2
  exit 1
fi

VENV="${CWTT_VENV:-$ROOT/.venv}"
STAMP="$VENV/.cwtt-installed"
WANT="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the Python environment in $VENV ..."
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "Installing CWTT and its locked dependencies ..."
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c requirements.lock -e ".[dev]"
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"

# WeasyPrint (PDF documents) needs Pango from the system; Debian's packages provide it.
if ! "$VENV/bin/python" -c 'import weasyprint' >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's Pango libraries for PDF documents ..."
    apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }
  else
    echo "PDF documents need Pango: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0'." >&2
    exit 1
  fi
fi

# npm installs what package-lock.json pins: axe-core for the accessibility tests, and Chart.js,
# which the tests compare byte for byte with the copy the package carries and serves itself
# (decisions 0022, 0034): pages never load a script from the internet.
NODE_STAMP="$ROOT/node_modules/.cwtt-installed"
NODE_WANT="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$NODE_STAMP" 2>/dev/null)" != "$NODE_WANT" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "The tests need npm, which was not found: install Node.js 18 or newer" >&2
    echo "with npm (Debian: 'sudo apt-get install nodejs npm'), then run this again." >&2
    exit 1
  fi
  echo "Installing the locked browser libraries (Chart.js; axe-core for the tests) with npm ci ..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$NODE_WANT" > "$NODE_STAMP"
fi
