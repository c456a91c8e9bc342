#!/bin/sh
# embed.sh: write the chat page's assets as a C source file, so the daemon
# serves them from anywhere.  Usage: embed.sh ASSETS_DIR > chat_assets.c
# The page, script and style can be replaced by files (the assets option);
# the icon is always the one compiled in.
# Only POSIX od and sed are used: no xxd, no compiler-specific #embed.
set -eu

directory=$1

# Print one file as a C array named by the second argument.
emit_array() {
	printf 'static const unsigned char %s[] = {\n' "$2"
	od -An -v -tu1 "$1" | sed -e 's/^ *//' -e 's/  */, /g' \
	    -e '/^$/d' -e 's/^/\t/' -e 's/$/,/'
	printf '\t0\n};\n\n'
}

printf '/* Generated from %s by embed.sh: do not edit. */\n' "$directory"
printf '#include "config.h"\n\n#include "protocols/chat/chat.h"\n\n'
emit_array "$directory/index.html" index_html
emit_array "$directory/chat.js" chat_js
emit_array "$directory/chat.css" chat_css
emit_array "$directory/favicon.ico" favicon_ico
cat <<'END'
const struct chat_asset	chat_builtin_assets[CHAT_ASSET_COUNT] = {
	{ "index.html", "text/html; charset=UTF-8", index_html,
	    sizeof(index_html) - 1 },
	{ "chat.js", "text/javascript; charset=UTF-8", chat_js,
	    sizeof(chat_js) - 1 },
	{ "chat.css", "text/css; charset=UTF-8", chat_css,
	    sizeof(chat_css) - 1 },
};

const struct chat_asset	chat_favicon = {
	"favicon.ico", "image/vnd.microsoft.icon", favicon_ico,
	sizeof(favicon_ico) - 1
};
END
