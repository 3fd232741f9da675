# tools/bench_lib.sh — the arithmetic the bench scripts share (sourced).
# now: wall clock in seconds with nanoseconds; sub A B: B - A (3 decimals);
# rate N SECONDS: N per second (integer); ratio A B: A / B (2 decimals);
# cpu_of FILE: user + sys of a /usr/bin/time file "wall user sys rss".
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
cpu_of() { awk '{ printf "%.2f", $2 + $3 }' "$1"; }
