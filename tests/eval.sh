#!/bin/sh
# eval.sh - placeholder until its tests land
echo "1..0 # SKIP not yet written"
