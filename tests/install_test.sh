#!/bin/sh
# install_test.sh: an installed pforkd serves the installed poems and never
# looks in the tree it was built from, and make uninstall leaves nothing.
#
# make distdir copies the distributed sources to a scratch folder (this
# works from an in-tree build and under distcheck alike, where the source
# tree is read only and an out-of-tree configure of it is refused once it
# is configured in place).  The copy is configured with that scratch
# folder's own prefix, built and installed; its poetry folder is then moved
# away and the installed programs run from the prefix: pforkd -n on the
# defaults and on the installed sample, then the daemon on a loopback port,
# read by the installed get-poetry and compared byte for byte.  The daemon
# is stopped by its pid; every wait is bounded.
set -u

make=${MAKE:-make}
# The nested makes get none of the outer one's flags or jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
scratch=$(mktemp -d "${TMPDIR:-/tmp}/install_test.XXXXXX") || exit 1
prefix=$scratch/prefix
daemon=
cleanup() {
	if [ -n "$daemon" ]; then
		kill -KILL "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	chmod -R u+w "$scratch" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "FAIL: $*"
	for log in "$scratch"/*.log; do
		[ -f "$log" ] || continue
		echo "--- ${log##*/}:"
		tail -n 30 "$log"
	done
	exit 1
}

"$make" distdir distdir="$scratch/src" \
    >"$scratch/distdir.log" 2>&1 || fail "make distdir"
(cd "$scratch/src" && ./configure -q --prefix="$prefix" &&
    "$make" -j2 install) >"$scratch/install.log" 2>&1 ||
    fail "configure --prefix=$prefix && make install"
echo "ok: installed in $prefix"
pforkd=$prefix/sbin/pforkd
poem=$prefix/share/pforkd/poetry/science.txt
for file in "$pforkd" "$prefix/bin/get-poetry" "$poem" \
    "$prefix/etc/pforkd.conf.sample"; do
	[ -f "$file" ] || fail "make install did not install $file"
done
[ ! -e "$prefix/etc/pforkd.conf" ] || fail "make install wrote pforkd.conf"
mv "$scratch/src/poetry" "$scratch/src/poetry.away" ||
    fail "moving the built tree's poems away"
cd "$prefix" || fail "cd $prefix"

output=$("$pforkd" -n 2>&1) || fail "pforkd -n (the defaults): $output"
echo "ok: installed pforkd -n finds the defaults' poems: $output"
output=$("$pforkd" -n -f "$prefix/etc/pforkd.conf.sample" 2>&1) ||
    fail "pforkd -n -f pforkd.conf.sample: $output"
echo "ok: installed pforkd -n -f pforkd.conf.sample: $output"

# A port that may be taken: try a few, each start bounded to 10 seconds.
attempt=0
while [ -z "$daemon" ] && [ "$attempt" -lt 5 ]; do
	attempt=$((attempt + 1))
	port=$((20000 + ($$ * 7 + attempt * 1009) % 30000))
	"$pforkd" -d -w 1 -l "poetry@127.0.0.1:$port,file=science.txt,delay=0" \
	    2>"$scratch/daemon.log" &
	daemon=$!
	waited=0
	while ! grep -q "listening on 127.0.0.1:$port" "$scratch/daemon.log"; do
		if ! kill -0 "$daemon" 2>/dev/null || [ "$waited" -ge 10 ]; then
			kill -KILL "$daemon" 2>/dev/null
			wait "$daemon" 2>/dev/null
			daemon=
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
done
[ -n "$daemon" ] || fail "the installed pforkd did not start"
echo "ok: installed pforkd serves poetry on 127.0.0.1:$port (pid $daemon)"

mkdir "$scratch/out" || fail "mkdir"
"$prefix/bin/get-poetry" -q -t 10 -o "$scratch/out" "127.0.0.1:$port" \
    >"$scratch/get-poetry.log" 2>&1 || fail "get-poetry 127.0.0.1:$port"
cmp "$scratch/out/127.0.0.1-$port.txt" "$poem" >/dev/null ||
    fail "the poem received is not the installed science.txt"
echo "ok: get-poetry received the installed science.txt"

kill -TERM "$daemon"
waited=0
while kill -0 "$daemon" 2>/dev/null && [ "$waited" -lt 10 ]; do
	sleep 1
	waited=$((waited + 1))
done
wait "$daemon"
status=$?
daemon=
[ "$status" -eq 0 ] || fail "pforkd exited with $status on SIGTERM"

(cd "$scratch/src" && "$make" uninstall) \
    >"$scratch/uninstall.log" 2>&1 || fail "make uninstall"
left=$(find "$prefix" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "ok: make uninstall left no file in $prefix"
