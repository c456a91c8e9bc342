#!/bin/sh
# layering.sh: every include line reaches only into a layer its folder may
# use (ARCHITECTURE.md), so the folders form one direction of dependencies.
# Then it proves, in a scratch tree, that a wrong-way include is caught.
#
#   layering.sh [SRCDIR]
set -u

top=${1:-${top_srcdir:-.}}

# The layers each folder may include, besides itself, compat/ and config.h.
allowed() {
	case $1 in
	src/event) echo "util" ;;
	backends) echo "event util" ;;
	src/util) echo "" ;;
	src/connection) echo "event util" ;;
	src/http) echo "connection event util" ;;
	src/redis) echo "event util" ;;
	src/protocols | src/protocols/chat) echo "protocols redis http connection event util" ;;
	src/server) echo "server protocols redis http connection event util" ;;
	src/client | src/bench) echo "event util" ;;
	*) echo "-" ;;
	esac
}

# The layer an include path names: its first folder.
layer_of() {
	case $1 in
	*/*) echo "${1%%/*}" ;;
	*) echo "" ;;
	esac
}

# Check one tree; print each wrong-way include and return 1 if any.
check_tree() {
	root=$1
	status=0
	for dir in src/event backends src/util src/connection src/http \
	    src/redis src/protocols src/protocols/chat src/server src/client src/bench; do
		may=$(allowed "$dir")
		own=$(layer_of "${dir#src/}/x")
		[ "$dir" = backends ] && own=backends
		for file in "$root/$dir"/*.[ch]; do
			[ -f "$file" ] || continue
			includes=$(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
			for path in $includes; do
				[ "$path" = config.h ] && continue
				layer=$(layer_of "$path")
				if [ -z "$layer" ]; then
					echo "layering: ${file#"$root"/}: \"$path\" names no folder"
					status=1
					continue
				fi
				case " $own compat $may " in
				*" $layer "*) ;;
				*)
					echo "layering: ${file#"$root"/}: $dir may not include \"$path\""
					status=1
					;;
				esac
			done
		done
	done
	return $status
}

check_tree "$top" || exit 1
echo "layering: every include runs one way"

# Self-test: a copy with one wrong-way include must fail.
scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src/event"
printf '#include "server/worker.h"\n' >"$scratch/src/event/wrong.c"
if check_tree "$scratch" >/dev/null; then
	echo "layering: self-test: a wrong-way include was not caught"
	exit 1
fi
echo "layering: self-test: a wrong-way include is caught"
