# shellcheck shell=bash
# Shared helpers of scripts/demo and scripts/test (sourced, not executed).
#
# Everything lives under the git-ignored folder .local/ of the repository:
#   .local/pg-<name>/data   PostgreSQL cluster (one per purpose: demo, test)
#   .local/pg-<name>/run    its unix socket directory
#   .local/addons/          addons folder holding ar_ai_collections -> repo root
#   .local/oca-addons/      OCA addons unpacked from their wheels (queue_job)
#   .local/<name>.conf      Odoo configuration file
#   .local/filestore-<name> Odoo data_dir
#   .local/demo-run/        pid files of the demo's Odoo server and mail catcher
#   .local/demo-mail/       mail "sent" by the demo (scripts/mail_catcher.py)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
MODULE=ar_ai_collections
DB_ROLE=odoo
DB_PASSWORD=odoo
DEMO_RUN="$LOCAL/demo-run"
OCA_ADDONS="$LOCAL/oca-addons"
# OCA addons the tests install beside the addon: optional for users (the
# dunning run uses queue_job when a database has it, and works without).
OCA_TEST_MODULES=(queue_job)

log() { printf '\033[1m[%s]\033[0m %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '\033[31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# find_odoo: sets ODOO (the odoo executable), PY (the interpreter in its
# shebang, where Odoo and the addon's Python requirements are installed) and
# ODOO_ADDONS (the core addons folders).
find_odoo() {
    ODOO="$(command -v odoo || true)"
    [ -n "$ODOO" ] || die "'odoo' is not on PATH. Install Odoo 18.0 (e.g. pip install -e <odoo-src> in a venv) and put its 'odoo' script on PATH."
    PY="$(head -1 "$ODOO" | sed -n 's/^#![[:space:]]*//p' | awk '{print $1}')"
    if [ -z "$PY" ] || [ "$(basename "$PY")" = env ]; then
        PY="$(head -1 "$ODOO" | awk '{print $2}')"
        PY="$(command -v "$PY" || true)"
    fi
    [ -n "$PY" ] && [ -x "$PY" ] || die "cannot find the Python interpreter of $ODOO (shebang: $(head -1 "$ODOO"))"
    local version
    version="$("$PY" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null || true)"
    [ "$version" = 18 ] || die "$ODOO is not Odoo 18.0 (major version: '${version:-unknown}')"
    ODOO_ADDONS="$("$PY" - <<'EOF'
import os
import odoo
base = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(base, "addons")]
extra = os.path.join(os.path.dirname(base), "addons")
if os.path.isdir(extra) and os.path.isdir(os.path.join(extra, "web")):
    paths.append(extra)
print(",".join(paths))
EOF
)"
    export ODOO PY ODOO_ADDONS
}

# pg_bindir: folder with initdb/pg_ctl (pg_config --bindir, else the newest
# /usr/lib/postgresql/*/bin).
pg_bindir() {
    local dir
    if command -v pg_config >/dev/null && dir="$(pg_config --bindir 2>/dev/null)" && [ -x "$dir/initdb" ]; then
        echo "$dir"
        return
    fi
    if command -v initdb >/dev/null; then
        dirname "$(command -v initdb)"
        return
    fi
    # shellcheck disable=SC2012
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL (apt-get install postgresql)"
    echo "$dir"
}

# as_pg_owner CMD...: PostgreSQL refuses to run as root; when we are root the
# cluster belongs to the 'postgres' system user.
as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user to own the cluster"
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

# ensure_cluster NAME PORT: creates (first run) and starts the project-local
# cluster .local/pg-NAME listening on 127.0.0.1:PORT, with a non-superuser
# role $DB_ROLE (CREATEDB) for Odoo. Sets PGDIR, PGPORT_USED.
ensure_cluster() {
    local name="$1" port="$2" bindir
    bindir="$(pg_bindir)"
    PGDIR="$LOCAL/pg-$name"
    PGPORT_USED="$port"
    mkdir -p "$PGDIR/run"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$PGDIR"
        as_pg_owner test -x "$PGDIR" || die "the 'postgres' user cannot reach $PGDIR: clone the repository in a folder other users can traverse"
    fi
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
        log "creating PostgreSQL cluster $PGDIR/data (port $port)"
        as_pg_owner "$bindir/initdb" -D "$PGDIR/data" -U postgres -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >"$PGDIR/initdb.log" 2>&1 \
            || { cat "$PGDIR/initdb.log" >&2; die "initdb failed"; }
        cat >>"$PGDIR/data/postgresql.conf" <<EOF
# ar_ai_collections project-local cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDIR/run'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
    if ! as_pg_owner "$bindir/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
        log "starting PostgreSQL $PGDIR (port $port)"
        as_pg_owner "$bindir/pg_ctl" -D "$PGDIR/data" -o "-p $port" -l "$PGDIR/server.log" -w -t 60 start >/dev/null \
            || { tail -20 "$PGDIR/server.log" >&2; die "PostgreSQL did not start (port $port busy? set another port)"; }
    fi
    local exists
    exists="$(psql_super -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'")"
    if [ "$exists" != 1 ]; then
        psql_super -qc "CREATE ROLE $DB_ROLE LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
    fi
    export PGDIR PGPORT_USED
}

# stop_cluster NAME
stop_cluster() {
    local dir="$LOCAL/pg-$1"
    [ -f "$dir/data/PG_VERSION" ] || return 0
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

psql_super() {
    as_pg_owner "$(pg_bindir)/psql" -h "$PGDIR/run" -p "$PGPORT_USED" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

# Client commands as the Odoo role over TCP.
pg_client() {
    local cmd="$1"
    shift
    PGPASSWORD="$DB_PASSWORD" PGOPTIONS="-c client_min_messages=warning" "$(pg_bindir)/$cmd" -h 127.0.0.1 -p "$PGPORT_USED" -U "$DB_ROLE" "$@"
}
db_exists() {
    [ "$(pg_client psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}
# As the cluster's superuser: only it may end an autovacuum worker still on the database.
db_drop() { psql_super -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }
db_copy() { db_drop "$2" && pg_client createdb -T "$1" "$2"; }

# ensure_addons_link: Odoo needs the addon in a folder named after the module.
ensure_addons_link() {
    mkdir -p "$LOCAL/addons"
    local link="$LOCAL/addons/$MODULE"
    if [ ! -L "$link" ] || [ "$(readlink -f "$link")" != "$ROOT" ]; then
        rm -rf "$link"
        ln -s "$ROOT" "$link"
    fi
    ADDONS_PATH="$ODOO_ADDONS,$LOCAL/addons"
    [ -d "$OCA_ADDONS" ] && ADDONS_PATH="$ADDONS_PATH,$OCA_ADDONS"
    export ADDONS_PATH
}

# write_conf NAME HTTP_PORT: Odoo configuration for the cluster just ensured.
# Sets CONF.
write_conf() {
    local name="$1" http_port="$2"
    CONF="$LOCAL/$name.conf"
    cat >"$CONF" <<EOF
[options]
addons_path = $ADDONS_PATH
data_dir = $LOCAL/filestore-$name
db_host = 127.0.0.1
db_port = $PGPORT_USED
db_user = $DB_ROLE
db_password = $DB_PASSWORD
http_port = $http_port
http_interface = 127.0.0.1
admin_passwd = admin
list_db = True
EOF
    export CONF
}

# check_log FILE WHAT: fails when an Odoo log has WARNING/ERROR/CRITICAL lines.
ODOO_BAD_LINE='^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) '
check_log() {
    local file="$1" what="$2"
    if grep -Eq "$ODOO_BAD_LINE" "$file"; then
        grep -E -A8 "$ODOO_BAD_LINE" "$file" | head -80 >&2
        die "$what: the log has WARNING/ERROR lines (full log: $file)"
    fi
}

# pid_running FILE NAME: the process whose pid FILE holds runs and its command
# line mentions NAME (a recycled pid of another program does not count).
pid_running() {
    local file="$1" name="$2" pid
    [ -s "$file" ] || return 1
    pid="$(cat "$file")"
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name"
}

# stop_pid FILE NAME WHAT: stops (TERM, then KILL after 20 s) the process of
# pid_running FILE NAME and removes FILE.
stop_pid() {
    local file="$1" name="$2" what="$3" pid
    if pid_running "$file" "$name"; then
        pid="$(cat "$file")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 200); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        log "$what stopped (pid $pid)"
    fi
    rm -f "$file"
}

# ensure_oca_addons MODULE...: each OCA 18.0 addon unpacked from its wheel into
# $OCA_ADDONS (once). Their pip packages pin `odoo` as a requirement that a source
# install of Odoo does not satisfy, and installing them into site-packages would
# shadow that install's `odoo.addons`: the addon folder is taken out of the wheel.
ensure_oca_addons() {
    local module wheels
    for module in "$@"; do
        [ -f "$OCA_ADDONS/$module/__manifest__.py" ] && continue
        log "OCA $module 18.0 into $OCA_ADDONS"
        wheels="$(mktemp -d)"
        "$PY" -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
            -d "$wheels" "odoo-addon-${module//_/-}==18.0.*" \
            || die "cannot download odoo-addon-${module//_/-} 18.0 from the package index"
        rm -rf "$OCA_ADDONS/.unpack"
        "$PY" -m zipfile -e "$wheels"/*.whl "$OCA_ADDONS/.unpack"
        [ -f "$OCA_ADDONS/.unpack/odoo/addons/$module/__manifest__.py" ] \
            || die "the odoo-addon-${module//_/-} wheel holds no odoo/addons/$module"
        rm -rf "${OCA_ADDONS:?}/$module"
        mv "$OCA_ADDONS/.unpack/odoo/addons/$module" "$OCA_ADDONS/$module"
        rm -rf "$OCA_ADDONS/.unpack" "$wheels"
    done
}
