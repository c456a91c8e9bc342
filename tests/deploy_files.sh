#!/bin/sh
# deploy_files.sh: systemd-analyze verify passes on the systemd units of
# deploy/systemd, as make generated them from their templates.
#
# verify insists that the programs a unit runs exist, and make check runs
# before make install: the copies checked here name the pforkd of the
# build tree where the units name the installed one ($sbindir/pforkd),
# and nothing else changes; the manuals they point to are not looked up.
# Skipped (exit 77) without systemd-analyze.
set -u

pforkd=${PFORKD:-./pforkd}
case $pforkd in
/*) ;;
*) pforkd=$(pwd)/$pforkd ;;
esac
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "deploy_files: systemd-analyze is not installed: skipped"
	exit 77
fi
scratch=${TMPDIR:-/tmp}/deploy_files.$$
mkdir -m 700 "$scratch" || exit 1
trap 'rm -rf "$scratch"' EXIT
failures=0

for unit in deploy/systemd/pforkd.service deploy/systemd/pforkd-echo@.service \
    "$top_srcdir/deploy/systemd/pforkd.socket" \
    "$top_srcdir/deploy/systemd/pforkd-echo.socket"; do
	if [ ! -f "$unit" ]; then
		echo "FAIL: $unit is missing (make generates it)"
		failures=$((failures + 1))
		continue
	fi
	sed "s|$sbindir/pforkd|$pforkd|g" "$unit" >"$scratch/${unit##*/}"
done
# verify looks for a socket's service next to it, in the scratch folder;
# --man=no: the Documentation= pages are not installed before make install.
for unit in "$scratch"/*; do
	if output=$(systemd-analyze verify --man=no "$unit" 2>&1) &&
	    [ -z "$output" ]; then
		echo "ok: systemd-analyze verify ${unit##*/}"
	else
		echo "FAIL: systemd-analyze verify ${unit##*/}:"
		printf '%s\n' "$output"
		failures=$((failures + 1))
	fi
done
[ "$failures" -eq 0 ]
