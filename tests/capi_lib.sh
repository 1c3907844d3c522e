# capi_lib.sh: sourced by tests/capi_example.sh and tests/install.sh.
# extract_example DOC: print the ```c block that follows the line
# "<!-- capi-example: first.c -->" in DOC.
extract_example() {
  awk '/<!-- capi-example: first.c -->/ { want = 1; next }
       want && /^```c$/ { on = 1; next }
       on && /^```$/ { exit }
       on { print }' "$1"
}
