# splat_found FILE: print the kernel-log lines that fail a test: BUG, WARNING,
# Oops, KASAN, UBSAN, lockdep reports, Call Trace, kmemleak leaks. Exit
# status 0 when there is one. Used by the host and by the guest.
# shellcheck shell=bash

FS_SPLAT_RE='BUG:|WARNING:|Oops|KASAN|UBSAN|Call Trace|lockdep|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|kernel BUG|general protection fault|unreferenced object'

splat_found() {
	grep -E "$FS_SPLAT_RE" "$1"
}
