#!/usr/bin/env bash
# Install or upgrade shopsync as a systemd service from the checkout this script lives in.
# Idempotent: re-run it after `git pull` to upgrade; it never overwrites config or secrets.
set -euo pipefail
# A root umask of 077 would leave the venv unreadable for the service user.
umask 022

readonly SERVICE_USER=shopsync
readonly PREFIX=/opt/shopsync
readonly VENV=$PREFIX/venv
# Must match the LoadCredential= lines of shopsync.service (a missing file stops the service).
readonly CREDENTIALS=(
    shopify_client_id
    shopify_client_secret
    shopify_access_token
    shopify_webhook_secret
    exact_client_id
    exact_client_secret
    exact_webhook_secret
    smtp_password
)
# Without these the daemon cannot do anything useful, so a first install does not start it.
# Shopify: a Dev Dashboard app's client id and secret (the secret also signs webhooks); the two
# legacy files (a static token and a webhook secret of an admin-created app) may stay empty.
readonly REQUIRED_CREDENTIALS=(shopify_client_id shopify_client_secret exact_client_id exact_client_secret)
readonly LEGACY_SHOPIFY=(shopify_access_token shopify_webhook_secret)

CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly CHECKOUT
PYTHON=${PYTHON:-python3}
DRY_RUN=0
START=1
INSTANCE=""
PORT=""

usage() {
    cat <<EOF
Usage: $0 [--dry-run] [--no-start] [--instance NAME [--port PORT]]

Installs shopsync from $CHECKOUT:
  user and group '$SERVICE_USER', venv in $VENV, config in /etc/shopsync,
  secret placeholders in /etc/shopsync/credentials, and the unit shopsync.service.

  --dry-run        print what would be done and change nothing (root not needed)
  --no-start       install and enable, but do not start or restart the service
  --instance NAME  one more shop on this machine: shopsync@NAME.service with its own config
                   and secrets in /etc/shopsync/NAME, state /var/lib/shopsync/NAME and socket
                   /run/shopsync/NAME/shopsync.sock (the venv is shared)
  --port PORT      the instance's webhook port on 127.0.0.1 (1024-65535; each shop its own),
                   written into a new config's [ingress] port
EOF
}

while (($#)); do
    case $1 in
        --dry-run) DRY_RUN=1 ;;
        --no-start) START=0 ;;
        --instance)
            INSTANCE=${2-}
            shift
            ;;
        --port)
            PORT=${2-}
            shift
            ;;
        -h | --help) usage && exit 0 ;;
        *) echo "unknown option: $1" >&2 && usage >&2 && exit 2 ;;
    esac
    shift
done

say() { printf '%s\n' "$*"; }

# An instance name becomes a path and a unit name: letters, digits, - and _ only.
if [[ -n $INSTANCE && ! $INSTANCE =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$ ]]; then
    echo "--instance: use letters, digits, - and _ (at most 40), not '$INSTANCE'" >&2
    exit 2
fi
if [[ -n $PORT ]] && { [[ ! $PORT =~ ^[0-9]{4,5}$ ]] || ((PORT < 1024 || PORT > 65535)); }; then
    echo "--port: a port from 1024 to 65535, not '$PORT'" >&2
    exit 2
fi
if [[ -n $PORT && -z $INSTANCE ]]; then
    echo "--port goes with --instance (the single shop sets [ingress] port in its config)" >&2
    exit 2
fi
if [[ -n $INSTANCE ]]; then
    readonly CONFIG_DIR=/etc/shopsync/$INSTANCE
    readonly UNIT_SOURCE=$CHECKOUT/systemd/shopsync@.service
    readonly UNIT_PATH=/etc/systemd/system/shopsync@.service
    readonly UNIT_NAME=shopsync@$INSTANCE.service
else
    readonly CONFIG_DIR=/etc/shopsync
    readonly UNIT_SOURCE=$CHECKOUT/systemd/shopsync.service
    readonly UNIT_PATH=/etc/systemd/system/shopsync.service
    readonly UNIT_NAME=shopsync.service
fi
readonly CRED_DIR=$CONFIG_DIR/credentials

# Run a command, or only show it in a dry run.
run() {
    local shown
    printf -v shown '%q ' "$@"
    if ((DRY_RUN)); then
        say "would run: ${shown% }"
    else
        say "+ ${shown% }"
        "$@"
    fi
}

if ((!DRY_RUN)) && ((EUID != 0)); then
    echo "run as root (or try --dry-run)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "$PYTHON must be Python >= 3.11 with the venv module (Debian: apt install python3-venv)" >&2
    exit 1
fi
if [[ ! -f $UNIT_SOURCE ]]; then
    echo "missing $UNIT_SOURCE: is this a shopsync checkout?" >&2
    exit 1
fi
((DRY_RUN)) && say "dry run: nothing will be changed"

# --- user and group: no login shell, no home; operators join the group to use the console ---
if getent group "$SERVICE_USER" >/dev/null; then
    say "group $SERVICE_USER exists"
else
    run groupadd --system "$SERVICE_USER"
fi
if getent passwd "$SERVICE_USER" >/dev/null; then
    say "user $SERVICE_USER exists"
else
    run useradd --system --gid "$SERVICE_USER" --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "shopsync daemon" "$SERVICE_USER"
fi

# --- code: a root-owned venv the service can read but not modify ---
run install -d -m 0755 -o root -g root "$PREFIX"
if [[ -x $VENV/bin/python ]]; then
    say "venv $VENV exists"
else
    run "$PYTHON" -m venv "$VENV"
fi
run "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    "$CHECKOUT"
run install -m 0644 -o root -g root "$CHECKOUT/systemd/README.md" "$PREFIX/README.md"
# `shopsync console` / `shopsync jobs …` on the PATH for operators in the shopsync group.
run ln -sfn "$VENV/bin/shopsync" /usr/local/bin/shopsync

# --- configuration: root-owned, readable by the service group, never overwritten ---
run install -d -m 0750 -o root -g "$SERVICE_USER" /etc/shopsync
[[ -n $INSTANCE ]] && run install -d -m 0750 -o root -g "$SERVICE_USER" "$CONFIG_DIR"
if [[ -e $CONFIG_DIR/shopsync.toml ]]; then
    say "config $CONFIG_DIR/shopsync.toml exists, kept as is"
else
    example=$CHECKOUT/systemd/shopsync.example.toml
    if [[ ! -f $example ]]; then
        ((DRY_RUN)) || { echo "missing $example" >&2 && exit 1; }
        say "warning: $example is missing; a real run would stop here"
    fi
    run install -m 0640 -o root -g "$SERVICE_USER" "$example" "$CONFIG_DIR/shopsync.toml"
    if [[ -n $PORT ]]; then  # the example's commented default under [ingress] becomes this port
        run sed -i "0,/^# port = 8080/s//port = $PORT/" "$CONFIG_DIR/shopsync.toml"
        say "webhooks for $INSTANCE on 127.0.0.1 port $PORT: point the reverse proxy at it"
    fi
fi

# --- secrets: only root reads them; systemd hands copies to the service (LoadCredential=) ---
run install -d -m 0700 -o root -g root "$CRED_DIR"
empty=()
for name in "${CREDENTIALS[@]}"; do
    path=$CRED_DIR/$name
    if [[ -e $path ]]; then
        [[ -s $path ]] || empty+=("$name")
    else
        run install -m 0600 -o root -g root /dev/null "$path"
        empty+=("$name")
    fi
done
# The token key seals API tokens inside the database (state/secrets.py), so a copied database or
# backup grants nothing. Generated once here, never stored beside the database; kept on upgrades.
# Rotation: systemd/README.md.
token_key=$CRED_DIR/token_key
if [[ -s $token_key ]]; then
    say "token key $token_key exists, kept as is"
elif ((DRY_RUN)); then
    say "would generate a token key into $token_key (0600 root)"
else
    say "+ generate a token key into $token_key"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$token_key")
    chmod 0600 "$token_key"
fi
missing_required=()
legacy_shopify=1
for name in "${LEGACY_SHOPIFY[@]}"; do
    [[ " ${empty[*]} " == *" $name "* ]] && legacy_shopify=0
done
for name in "${REQUIRED_CREDENTIALS[@]}"; do
    # An existing admin-created-app setup (both legacy files filled) needs no client id/secret.
    ((legacy_shopify)) && [[ $name == shopify_client_* ]] && continue
    [[ " ${empty[*]} " == *" $name "* ]] && missing_required+=("$name")
done

# --- the unit ---
run install -m 0644 -o root -g root "$UNIT_SOURCE" "$UNIT_PATH"
run systemctl daemon-reload
run systemctl enable "$UNIT_NAME"

if ((${#empty[@]})); then
    say ""
    say "Fill these secret files as root (smtp_password may stay empty if alerts are off;"
    say "shopify_access_token and shopify_webhook_secret only for an app created in the"
    say "Shopify admin before 2026, see systemd/README.md):"
    for name in "${empty[@]}"; do
        say "  $CRED_DIR/$name"
    done
    say "without echo, shell history or a trailing newline, e.g.:"
    say "  systemd-ask-password -n '${empty[0]}:' > $CRED_DIR/${empty[0]}"
fi

if ((!START)); then
    say "not starting (--no-start): systemctl start ${UNIT_NAME%.service}"
elif ((${#missing_required[@]})); then
    say ""
    say "not starting yet: ${missing_required[*]} still empty."
    say "Edit $CONFIG_DIR/shopsync.toml and fill the secrets, then: systemctl start $UNIT_NAME"
elif ((!DRY_RUN)) && systemctl is-active --quiet "$UNIT_NAME"; then
    # An upgrade: load the new code; the daemon drains before it exits.
    run systemctl restart "$UNIT_NAME"
else
    run systemctl start "$UNIT_NAME"
fi
say "logs: journalctl -u ${UNIT_NAME%.service} -o cat | jq"
[[ -n $INSTANCE ]] && say "console: shopsync console --instance $INSTANCE"
exit 0
