# Shared by scripts/run-portal and scripts/run-tests. Debian 12, Python 3.11, run as root or with sudo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  # Install the Debian packages that are missing; one apt-get update at most.
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo ">> apt-get install ${missing[*]}"
    as_root apt-get update -qq
    # Installing nginx (scripts/check-nginx-site only runs `nginx -t`) must not start it on the
    # host's port 80: unless the host already has a policy, forbid that one start (policy-rc.d).
    local policy="" status=0
    if printf '%s\n' "${missing[@]}" | grep -qx nginx && [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      as_root sh -c "printf '#!/bin/sh\n[ \"\$1\" = nginx ] && exit 101\nexit 0\n' > $policy && chmod 755 $policy"
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || status=$?
    if [ -n "$policy" ]; then
      as_root rm -f "$policy"
      command -v systemctl >/dev/null && as_root systemctl disable --quiet nginx 2>/dev/null || true
    fi
    return "$status"
  fi
}

ensure_venv() {
  local requirements="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; python3 -m venv "$VENV"; }
  fi
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/$requirements" "$ROOT/requirements.txt" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/$requirements"
    touch "$stamp"
  fi
}
