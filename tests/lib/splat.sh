# splat_found FILE: print the kernel-log lines that fail a test: BUG, WARNING,
# Oops, KASAN, UBSAN, lockdep reports, Call Trace, kmemleak leaks, the
# module's use of a deprecated API. Exit
# status 0 when there is one. Used by the host and by the guest.
# shellcheck shell=bash

# Lockdep's reports all carry a "WARNING:" or "BUG:" header, or the line
# "lockdep is turned off"; a bare "lockdep" would match the sanitizer
# kernel's boot banner ("RCU lockdep checking is enabled").
# A kernel that names one of the module's uses of an API as deprecated
# ("work func fsocket_sweep [fastsocket] enqueued on deprecated
# workqueue", 7.3) fails it too: the next kernel may not have the API.
FS_SPLAT_RE='\[fastsocket\].*deprecated|BUG:|WARNING:|Oops|KASAN|UBSAN|Call Trace|lockdep is turned off|DEBUG_LOCKS_WARN_ON|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|kernel BUG|general protection fault|blocked for more than|rcu.*detected stalls?|unreferenced object'

splat_found() {
	grep -E "$FS_SPLAT_RE" "$1"
}
