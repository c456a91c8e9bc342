#!/bin/sh
# deploy_files.sh: the deployment files of deploy/, as make generated them
# from their templates, pass the checks this machine can run.
#
# The FreeBSD and OpenBSD rc.d scripts need those systems' rc.subr and
# cannot run here: they are parsed with sh -n and, where it is installed,
# checked with shellcheck, and the output says so.
#
# The systemd units pass systemd-analyze verify.  verify insists that the
# programs a unit runs exist, and make check runs before make install: the
# copies checked here name the pforkd of the build tree where the units
# name the installed one ($sbindir/pforkd), and nothing else changes; the
# manuals they point to are not looked up.  Without systemd-analyze that
# part is skipped, with a message.
set -u

pforkd=${PFORKD:-./pforkd}
case $pforkd in
/*) ;;
*) pforkd=$(pwd)/$pforkd ;;
esac
failures=0

echo "deploy_files: the rc.d scripts are checked, not run (no rc.subr here)"
for script in deploy/freebsd/pforkd deploy/openbsd/pforkd; do
	if [ ! -f "$script" ]; then
		echo "FAIL: $script is missing (make generates it)"
		failures=$((failures + 1))
		continue
	fi
	if output=$(sh -n "$script" 2>&1); then
		echo "ok: sh -n $script"
	else
		echo "FAIL: sh -n $script:"
		printf '%s\n' "$output"
		failures=$((failures + 1))
	fi
	if ! command -v shellcheck >/dev/null 2>&1; then
		echo "skip: shellcheck $script (shellcheck is not installed)"
	elif output=$(shellcheck "$script" 2>&1); then
		echo "ok: shellcheck $script"
	else
		echo "FAIL: shellcheck $script:"
		printf '%s\n' "$output"
		failures=$((failures + 1))
	fi
done

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "skip: the systemd units (systemd-analyze is not installed)"
	[ "$failures" -eq 0 ]
	exit
fi
scratch=${TMPDIR:-/tmp}/deploy_files.$$
mkdir -m 700 "$scratch" || exit 1
trap 'rm -rf "$scratch"' EXIT

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
