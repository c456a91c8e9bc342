#!/bin/sh
# sample_conf.sh: deploy/pforkd.conf.sample, the sample configuration
# make install puts in $(sysconfdir), passes pforkd -n and shows every
# built-in protocol that pforkd -h lists.
#
# pforkd -n binds nothing and creates no file.  It runs in the source tree,
# where the sample's bare poem names are found in poetry/ as an uninstalled
# pforkd finds them (see poetry_find in src/protocols/poetry.c).
set -u

pforkd=${PFORKD:-./pforkd}
case $pforkd in
/*) ;;
*) pforkd=$(pwd)/$pforkd ;;
esac
sample=deploy/pforkd.conf.sample
failures=0

if output=$(cd "${top_srcdir:-.}" && "$pforkd" -n -f "$sample" 2>&1); then
	echo "ok: pforkd -n -f $sample: $output"
else
	echo "FAIL: pforkd -n -f $sample:"
	printf '%s\n' "$output"
	failures=$((failures + 1))
fi

# "(repeatable; services: echo, discard, ...)" in the usage.
protocols=$("$pforkd" -h 2>&1 | sed -n 's/.*services: \([^)]*\).*/\1/p' |
    tr -d ',')
if [ -z "$protocols" ]; then
	echo "FAIL: pforkd -h lists no services"
	failures=$((failures + 1))
fi
for protocol in $protocols; do
	if grep -Eq "^[[:blank:]]*(service[[:blank:]]+${protocol}[[:blank:]]*\\{|protocol[[:blank:]]+${protocol}([[:blank:]]|\$))" \
	    "${top_srcdir:-.}/$sample"; then
		echo "ok: $sample shows $protocol"
	else
		echo "FAIL: $sample has no $protocol service"
		failures=$((failures + 1))
	fi
done
[ "$failures" -eq 0 ]
