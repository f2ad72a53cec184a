#!/usr/bin/env bash
# The scale-out stack on one machine, from Debian's packages, without containers:
# PostgreSQL, Redis, N app processes (gunicorn, gevent worker, one worker each) and
# nginx in front of them on one public port. See docs/deploy.md.
#
#   scripts/stack.sh up       start whatever is not running yet; prints the address
#   scripts/stack.sh status   what runs where
#   scripts/stack.sh down     stop everything (the database stays in STACK_DIR)
#   scripts/stack.sh clean    down, then delete STACK_DIR with the database
#
# Settings, from the environment:
#   STACK_DIR (instance/stack)  data, logs, pid files, the generated nginx config and secret key
#   STACK_PORT (8080)           nginx, the public address http://127.0.0.1:STACK_PORT
#   STACK_APPS (2)              how many app processes
#   STACK_APP_PORT (8001)       the first app process's port; the others follow
#   STACK_PG_PORT (5433), STACK_REDIS_PORT (6380)
#   STACK_BALANCE (ip_hash)     ip_hash, or cookie: sticky by a cookie (many phones behind one NAT)
#   STACK_HOST (127.0.0.1)      nginx's listen address (0.0.0.0 for phones on the venue Wi-Fi;
#                               then set PUBLIC_URL to the address they open)
#
# It installs nothing: it says which Debian packages are missing. Run `make stack` (it
# creates .venv first), or this script once .venv exists.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DIR="${STACK_DIR:-$ROOT/instance/stack}"
PORT="${STACK_PORT:-8080}"
APPS="${STACK_APPS:-2}"
APP_PORT="${STACK_APP_PORT:-8001}"
PG_PORT="${STACK_PG_PORT:-5433}"
REDIS_PORT="${STACK_REDIS_PORT:-6380}"
BALANCE="${STACK_BALANCE:-ip_hash}"
HOST="${STACK_HOST:-127.0.0.1}"
PUBLIC="${PUBLIC_URL:-http://127.0.0.1:$PORT}"
VENV="$ROOT/.venv/bin"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

say() { printf '%s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

as_postgres() {  # initdb and the server refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {  # running PIDFILE: the process in the pid file is alive
  [ -s "$1" ] && kill -0 "$(head -n 1 "$1")" 2>/dev/null
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_http() {  # wait_http URL WHAT LOG
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  tail -n 30 "$3" >&2 || true
  die "$2 did not answer on $1 (log: $3)"
}

check_tools() {
  local missing=()
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x "$NGINX" ] || missing+=(nginx)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing Debian packages: sudo apt-get install ${missing[*]}  (they need not be running: this script starts its own)"
  fi
  [ -x "$VENV/gunicorn" ] || die "no .venv with gunicorn: run 'make stack' (or 'make run' once) first"
  case "$BALANCE" in ip_hash | cookie) ;; *) die "STACK_BALANCE must be ip_hash or cookie" ;; esac
  [ "$APPS" -ge 1 ] 2>/dev/null || die "STACK_APPS must be a number, at least 1"
}

app_env() {  # the environment every app process shares
  printf '%s\0' \
    "APP_ENV=production" \
    "SECRET_KEY=$(cat "$DIR/secret_key")" \
    "DATABASE_URL=postgresql+psycopg://bridge@127.0.0.1:$PG_PORT/bridge" \
    "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0" \
    "RATELIMIT_STORAGE_URI=redis://127.0.0.1:$REDIS_PORT/1" \
    "PUBLIC_URL=$PUBLIC" \
    "TRUST_PROXY=1" \
    "ASYNC_MODE=gevent"
}

with_app_env() {
  local vars=()
  while IFS= read -r -d '' v; do vars+=("$v"); done < <(app_env)
  env "${vars[@]}" "$@"
}

# --- up -------------------------------------------------------------------------------

start_postgres() {
  local pg="$DIR/pg"
  if [ ! -d "$pg/data" ]; then
    mkdir -p "$pg"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pg"; fi
    chmod 700 "$pg"
    as_postgres "$PG_BIN/initdb" -D "$pg/data" -A trust -U bridge -E UTF8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed (is $pg reachable by the postgres user?)"; }
  fi
  if as_postgres "$PG_BIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
    say "postgres  running on 127.0.0.1:$PG_PORT"
  else
    port_free "$PG_PORT" || die "port $PG_PORT is taken: set STACK_PG_PORT"
    as_postgres "$PG_BIN/pg_ctl" -D "$pg/data" -l "$pg/log" -w \
      -o "-p $PG_PORT -k $pg -c listen_addresses=127.0.0.1" start >/dev/null
    say "postgres  started on 127.0.0.1:$PG_PORT (data in $pg/data)"
  fi
  if [ -z "$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U bridge -d postgres -tAc \
    "select 1 from pg_database where datname = 'bridge'")" ]; then
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U bridge bridge
  fi
}

start_redis() {
  if running "$DIR/redis.pid"; then
    say "redis     running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  port_free "$REDIS_PORT" || die "port $REDIS_PORT is taken: set STACK_REDIS_PORT"
  mkdir -p "$DIR/redis"
  # Only the message queue, presence and rate limits live here: nothing to persist.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --save "" --appendonly no \
    --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
  for _ in $(seq 1 50); do running "$DIR/redis.pid" && break; sleep 0.1; done
  running "$DIR/redis.pid" || die "redis did not start (log: $DIR/redis.log)"
  say "redis     started on 127.0.0.1:$REDIS_PORT"
}

migrate() {
  [ -n "$(ls app/translations/*/LC_MESSAGES/*.mo 2>/dev/null)" ] || "$VENV/pybabel" -q compile -d app/translations
  with_app_env ASYNC_MODE=threading "$VENV/flask" --app app:create_app db upgrade >"$DIR/migrate.log" 2>&1 \
    || { cat "$DIR/migrate.log" >&2; die "migrations failed"; }
  say "database  migrated"
}

start_apps() {
  local i port
  for i in $(seq 1 "$APPS"); do
    port=$((APP_PORT + i - 1))
    if running "$DIR/app-$i.pid"; then
      say "app $i     running on 127.0.0.1:$port"
      continue
    fi
    port_free "$port" || die "port $port is taken: set STACK_APP_PORT"
    with_app_env "$VENV/gunicorn" -k gevent -w 1 --bind "127.0.0.1:$port" --chdir "$ROOT" \
      --daemon --pid "$DIR/app-$i.pid" --error-logfile "$DIR/app-$i.log" --capture-output \
      --no-control-socket --graceful-timeout 10 wsgi:app
    wait_http "http://127.0.0.1:$port/login" "app $i" "$DIR/app-$i.log"
    say "app $i     started on 127.0.0.1:$port (log: $DIR/app-$i.log)"
  done
}

nginx_conf() {
  local servers="" i balance cookie=""
  for i in $(seq 1 "$APPS"); do
    servers+="    server 127.0.0.1:$((APP_PORT + i - 1)) max_fails=1 fail_timeout=10s;"$'\n'
  done
  if [ "$BALANCE" = cookie ]; then
    balance='hash $bridge_route consistent;'
    cookie='add_header Set-Cookie $bridge_route_cookie always;'
  else
    balance='ip_hash;'
  fi
  local site
  site="$(sed '/^#/d' deploy/nginx.conf)"  # the header names the placeholders
  site="${site//@UPSTREAM_SERVERS@/${servers%$'\n'}}"
  site="${site//@BALANCE@/$balance}"
  site="${site//@ROUTE_COOKIE@/$cookie}"
  site="${site//@LISTEN@/listen $HOST:$PORT;}"
  site="${site//@SERVER_NAME@/_}"
  printf '%s\n' "$site" >"$DIR/nginx/bridge.conf"
  cat >"$DIR/nginx/nginx.conf" <<CONF
# Generated by scripts/stack.sh from deploy/nginx.conf; rewritten on every 'up'.
worker_processes auto;
worker_rlimit_nofile 16384;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 8192; }
http {
    default_type application/octet-stream;
    log_format upstream '\$remote_addr [\$time_local] "\$request" \$status -> \$upstream_addr';
    access_log $DIR/nginx/access.log upstream;
    client_body_temp_path $DIR/nginx/tmp/body;
    proxy_temp_path $DIR/nginx/tmp/proxy;
    fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
    scgi_temp_path $DIR/nginx/tmp/scgi;
    include $DIR/nginx/bridge.conf;
}
CONF
}

start_nginx() {
  mkdir -p "$DIR/nginx/tmp"
  nginx_conf
  local args=(-p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log")
  "$NGINX" "${args[@]}" -t -q || die "nginx rejected $DIR/nginx/nginx.conf"
  if running "$DIR/nginx/nginx.pid"; then
    "$NGINX" "${args[@]}" -s reload
    say "nginx     reloaded on $HOST:$PORT"
  else
    port_free "$PORT" || die "port $PORT is taken: set STACK_PORT"
    "$NGINX" "${args[@]}"
    say "nginx     started on $HOST:$PORT ($BALANCE over $APPS app processes)"
  fi
  wait_http "http://127.0.0.1:$PORT/login" "nginx" "$DIR/nginx/error.log"
}

up() {
  check_tools
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  if [ ! -s "$DIR/secret_key" ]; then
    (umask 077 && "$VENV/python" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$DIR/secret_key")
  fi
  start_postgres
  start_redis
  migrate
  start_apps
  start_nginx
  say ""
  say "Bridge Co-Design: $PUBLIC"
  say "First visit: create the administrator there, or:"
  say "  scripts/stack.sh flask users create --email you@example.org --name You --role admin"
}

# --- down, status ------------------------------------------------------------------------

stop_pidfile() {  # stop_pidfile PIDFILE NAME
  if running "$1"; then
    local pid
    pid="$(head -n 1 "$1")"
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    say "$2 stopped"
  fi
  rm -f "$1"
}

down() {
  [ -d "$DIR" ] || { say "nothing to stop ($DIR does not exist)"; return; }
  stop_pidfile "$DIR/nginx/nginx.pid" "nginx"
  local f
  for f in "$DIR"/app-*.pid; do
    if [ -e "$f" ]; then stop_pidfile "$f" "app $(basename "$f" .pid | cut -d- -f2)"; fi
  done
  stop_pidfile "$DIR/redis.pid" "redis"
  if [ -n "$PG_BIN" ] && [ -d "$DIR/pg/data" ] \
    && as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null
    say "postgres stopped"
  fi
}

status() {
  local state f
  [ -d "$DIR" ] || { say "not set up ($DIR does not exist)"; return 1; }
  if [ -n "$PG_BIN" ] && as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" status >/dev/null 2>&1; then
    state=running
  else
    state=stopped
  fi
  say "postgres  $state (127.0.0.1:$PG_PORT)"
  running "$DIR/redis.pid" && state="running, pid $(cat "$DIR/redis.pid")" || state=stopped
  say "redis     $state (127.0.0.1:$REDIS_PORT)"
  for f in "$DIR"/app-*.pid; do
    [ -e "$f" ] || continue
    running "$f" && state="running, pid $(cat "$f")" || state=stopped
    say "$(basename "$f" .pid | tr - ' ')     $state"
  done
  running "$DIR/nginx/nginx.pid" && state="running, pid $(cat "$DIR/nginx/nginx.pid")" || state=stopped
  say "nginx     $state ($HOST:$PORT)"
  if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/login"; then
    say "$PUBLIC answers"
  else
    say "$PUBLIC does not answer"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean)
    down
    rm -rf "$DIR"
    say "removed $DIR"
    ;;
  flask)  # run a flask command against the stack's database, e.g. `flask users create ...`
    shift
    [ -s "$DIR/secret_key" ] || die "run 'scripts/stack.sh up' first"
    with_app_env ASYNC_MODE=threading "$VENV/flask" --app app:create_app "$@"
    ;;
  *)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
