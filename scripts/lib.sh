# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this file
# Shared helpers for scripts/run and scripts/test. Source it; do not run it.
# REQUIRES: the caller runs under `set -euo pipefail`.

# The repository root, whatever the caller's working directory.
SENDFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages the build needs (README.md says what each is for).
BUILD_PACKAGES=(cmake ninja-build g++ pkg-config libpoco-dev libhpdf-dev libharfbuzz-dev libkainjow-mustache-dev
  libsqlite3-dev libssl-dev catch2 fonts-dejavu-core libgettextpo-dev libicu-dev)

# Extra packages the tests need. node/npm are handled apart: see ensure_node.
TEST_PACKAGES=(gettext clang-format chromium poppler-utils qpdf python3-aiosmtpd python3-icalendar mupdf-tools sqlite3 nginx openssl systemd)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*': run as root or install sudo"
  fi
}

# Prints those of the given Debian packages that are not installed (unknown, removed, half-done),
# one dpkg-query for all of them.
missing_packages() {
  local -A installed=()
  local name status p
  while read -r name status; do
    if [[ $status == installed ]]; then installed[${name%%:*}]=1; fi
  done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true)
  for p in "$@"; do
    [[ -n ${installed[$p]:-} ]] || echo "$p"
  done
}

# Installs whichever of the given Debian packages are missing. `apt-get update` runs only when
# something is missing, so a re-run on a ready machine touches nothing.
ensure_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "this script needs Debian (dpkg-query not found)"
  local missing=()
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]} == 0)) && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# Node.js and npm: keep whatever node is already on PATH (it may come from elsewhere than Debian);
# install Debian's only when there is none.
ensure_node() {
  if ! command -v node >/dev/null 2>&1; then
    ensure_packages nodejs npm
  elif ! command -v npm >/dev/null 2>&1; then
    ensure_packages npm
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 18)) || die "node $(node --version) is too old: the browser tests need node 18 or newer"
}

# Seconds since the epoch, for timings.
now() { date +%s; }
