#!/bin/sh
# usage_man.sh: every flag in "pforkd -h" is documented in pforkd.8, and
# every flag pforkd.8 documents appears in "pforkd -h".
set -u
pforkd=${PFORKD:-./pforkd}
page="$top_srcdir/man/pforkd.8"
usage_flags=$("$pforkd" -h | sed -n 's/^  -\([A-Za-z]\) .*/\1/p' | sort -u)
man_flags=$(sed -n 's/^\.It Fl \([A-Za-z]\).*/\1/p' "$page" | sort -u)
if [ -z "$usage_flags" ] || [ -z "$man_flags" ]; then
	echo "FAIL: could not read the flags (usage: '$usage_flags', man: '$man_flags')"
	exit 1
fi
if [ "$usage_flags" != "$man_flags" ]; then
	echo "FAIL: flags differ"
	echo "pforkd -h: $(echo $usage_flags)"
	echo "pforkd.8:  $(echo $man_flags)"
	exit 1
fi
synopsis=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$page")
for flag in $usage_flags; do
	case "$synopsis" in
	*"$flag"*) ;;
	*) echo "FAIL: -$flag missing from the SYNOPSIS"; exit 1 ;;
	esac
done
echo "ok: $(echo $usage_flags | wc -w) flags agree"
