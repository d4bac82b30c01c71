#!/usr/bin/env bash
# Physical backups and point-in-time recovery of Baton's PostgreSQL database with PostgreSQL's own tools:
# continuous WAL archiving plus base backups (docs/deploy/backup-and-recovery.md). Run as the OS user that owns the
# cluster (postgres), with the PostgreSQL binaries on PATH or PG_BIN set.
#
#   postgres-pitr.sh archive-settings ARCHIVE_DIR
#       The postgresql.conf lines that archive every WAL segment into ARCHIVE_DIR (restart PostgreSQL after).
#   postgres-pitr.sh archive-wal ARCHIVE_DIR WAL_PATH WAL_NAME
#       The archive_command itself (%p %f): copies the segment, fsyncs it, and refuses to overwrite a different one.
#   postgres-pitr.sh base-backup DEST [pg_basebackup connection options...]
#       A plain-format base backup with streamed WAL and a SHA-256 manifest, checked with pg_verifybackup.
#   postgres-pitr.sh prepare-restore BASE_BACKUP ARCHIVE_DIR NEW_PGDATA [TARGET_TIME]
#       A new data folder from the base backup that replays archived WAL up to TARGET_TIME (or to the end) and then
#       promotes; start it with pg_ctl -D NEW_PGDATA start.
set -euo pipefail

die() { echo "postgres-pitr: $*" >&2; exit 1; }
bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN/$1"; return; fi
    command -v "$1" 2>/dev/null && return
    local found; found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$found" && -x "$found/$1" ]] || die "$1 not found: set PG_BIN to PostgreSQL's bin folder"
    echo "$found/$1"
}

command="${1:-}"; shift || true
case "$command" in
    archive-settings)
        [[ $# -eq 1 ]] || die "usage: archive-settings ARCHIVE_DIR"
        archive="$(realpath -m "$1")"
        cat <<CONF
wal_level = replica
archive_mode = on
archive_command = '$(realpath "$0") archive-wal $archive %p %f'
archive_timeout = 60s
CONF
        ;;
    archive-wal)
        [[ $# -eq 3 ]] || die "usage: archive-wal ARCHIVE_DIR WAL_PATH WAL_NAME"
        archive="$1"; source="$2"; name="$3"
        mkdir -p "$archive"
        if [[ -f "$archive/$name" ]]; then
            # PostgreSQL may archive a segment again after a crash: identical is success, different is an error.
            cmp -s "$source" "$archive/$name" && exit 0
            die "$archive/$name exists with other content"
        fi
        cp "$source" "$archive/.$name.partial"
        sync "$archive/.$name.partial"
        mv "$archive/.$name.partial" "$archive/$name"
        ;;
    base-backup)
        [[ $# -ge 1 ]] || die "usage: base-backup DEST [connection options]"
        dest="$1"; shift
        [[ ! -e "$dest" ]] || die "$dest exists; a base backup goes into a new folder"
        "$(bin pg_basebackup)" -D "$dest" -Fp -X stream -c fast --manifest-checksums=SHA256 "$@"
        "$(bin pg_verifybackup)" "$dest"
        echo "base backup in $dest, verified"
        ;;
    prepare-restore)
        [[ $# -ge 3 && $# -le 4 ]] || die "usage: prepare-restore BASE_BACKUP ARCHIVE_DIR NEW_PGDATA [TARGET_TIME]"
        base="$1"; archive="$(realpath "$2")"; target="$3"; when="${4:-}"
        [[ -f "$base/PG_VERSION" ]] || die "$base is not a plain-format base backup"
        [[ ! -e "$target" ]] || die "$target exists; restore into a new folder"
        "$(bin pg_verifybackup)" -n "$base" >/dev/null
        cp -a "$base" "$target"
        chmod 700 "$target"
        rm -f "$target/backup_manifest"
        {
            echo "restore_command = 'cp $archive/%f %p'"
            [[ -n "$when" ]] && echo "recovery_target_time = '$when'"
            echo "recovery_target_action = 'promote'"
        } >> "$target/postgresql.auto.conf"
        touch "$target/recovery.signal"
        echo "prepared $target${when:+ to recover until $when}; start it with pg_ctl -D $target start"
        ;;
    *)
        sed -n '2,17p' "$0" >&2
        exit 2
        ;;
esac
