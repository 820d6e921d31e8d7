#!/bin/sh
# make demo: the main job on bundled data, printed for people.
set -eu
cd "$(dirname "$0")"
PATH=$(cd .. && pwd)/bin:$PATH
echo "== CDNOW sample: customers after a 39-week calibration (first 5) =="
summarize --as-of 1997-09-30 --unit week orders.csv | head -6 | column -s, -t
