#!/bin/sh
# Install the Debian build dependencies that are missing: with apt-get
# when running as root, otherwise print the command and stop.
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all installed"; exit 0; }
if [ "$(id -u)" = 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "deps: apt-get install$missing failed" >&2; exit 1; }
	echo "deps: installed$missing"
else
	echo "deps: missing$missing; install them with:" >&2
	echo "  sudo apt-get install$missing" >&2
	exit 1
fi
