# fastsocket: top-level build.
#
#   make [KDIR=...]          the module (for KDIR, default: the running
#                            kernel) and libfsocket.so
#   make lib                 libfsocket.so only
#   make tools               the fastsocket and fastsocketctl commands
#   make bench-preload       instructions per call with and without the library
#   make bench               nginx plain / reuseport / reuseport-cpu /
#                            fastsocket (and haproxy) for 1, 2 and 4 vCPUs
#                            in a VM: connections/s, locality, cross-CPU
#                            work; CSV, table and plot; then bench-insns
#   make bench-insns         instructions per connection, counted by a qemu
#                            plugin (bench/insn-count)
#   make module [KDIR=...]   fastsocket.ko only
#   make check               the test suite (tests/run; installs with apt)
#   make demo                the main job (tests/demo/run)
#   make install DESTDIR=... library, header, udev rule, DKMS source tree
#   make deb                 fastsocket and fastsocket-dkms .debs in build/deb
#   make rpm                 the same as .rpms in build/rpm/RPMS
#   make clean

VERSION := $(shell cat VERSION)
FSOCKET_ABI := $(shell sed -n 's/^\#define FSOCKET_ABI_VERSION[[:space:]]*//p' include/uapi/linux/fastsocket.h)
KDIR    ?= /lib/modules/$(shell uname -r)/build
PREFIX  ?= /usr
LIBDIR  ?= $(PREFIX)/lib/$(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
INCDIR  ?= $(PREFIX)/include
UDEVDIR ?= /usr/lib/udev/rules.d
SRCDIR  ?= $(PREFIX)/src/fastsocket-$(VERSION)

BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

all: module lib tools

lib:
	$(MAKE) -C src/libfsocket

tools:
	$(MAKE) -C src/tools LIBFILE=$(LIBDIR)/libfsocket.so.1
	$(MAKE) -C src/ctl

module:
	@test -d "$(KDIR)" || { \
		echo "No kernel build tree at $(KDIR): install linux-headers-$$(uname -r) or pass KDIR=" >&2; \
		exit 1; }
	$(MAKE) -C src/kmod KDIR=$(KDIR)

check:
	bash tests/run

demo:
	bash tests/demo/run

bench:
	bash bench/nginx-compare
	bash bench/insn-count

bench-insns:
	bash bench/insn-count

install: lib tools
	install -D -m 0755 src/tools/fastsocket $(DESTDIR)$(BINDIR)/fastsocket
	install -D -m 0755 src/ctl/fastsocketctl $(DESTDIR)$(SBINDIR)/fastsocketctl
	install -D -m 0644 man/fastsocketctl.8 $(DESTDIR)$(MANDIR)/man8/fastsocketctl.8
	install -D -m 0644 completion/fastsocketctl $(DESTDIR)$(COMPLETIONDIR)/fastsocketctl
	install -D -m 0644 man/fastsocket.1 $(DESTDIR)$(MANDIR)/man1/fastsocket.1
	install -D -m 0644 man/libfsocket.7 $(DESTDIR)$(MANDIR)/man7/libfsocket.7
	install -D -m 0644 man/fastsocket.conf.5 $(DESTDIR)$(MANDIR)/man5/fastsocket.conf.5
	install -D -m 0755 src/libfsocket/libfsocket.so $(DESTDIR)$(LIBDIR)/libfsocket.so.1
	install -D -m 0644 include/uapi/linux/fastsocket.h $(DESTDIR)$(INCDIR)/fastsocket/fastsocket.h
	install -D -m 0644 udev/60-fastsocket.rules $(DESTDIR)$(UDEVDIR)/60-fastsocket.rules
	install -D -m 0644 dkms.conf $(DESTDIR)$(SRCDIR)/dkms.conf
	install -D -m 0644 VERSION $(DESTDIR)$(SRCDIR)/VERSION
	install -D -m 0644 include/uapi/linux/fastsocket.h $(DESTDIR)$(SRCDIR)/include/uapi/linux/fastsocket.h
	install -d $(DESTDIR)$(SRCDIR)/src/kmod
	install -m 0644 src/kmod/Kbuild src/kmod/Makefile src/kmod/*.c $(filter-out src/kmod/probed.h,$(wildcard src/kmod/*.h)) $(DESTDIR)$(SRCDIR)/src/kmod/
	install -m 0755 src/kmod/probe.sh $(DESTDIR)$(SRCDIR)/src/kmod/probe.sh
	install -d $(DESTDIR)$(SRCDIR)/src/kmod/probes
	install -m 0644 src/kmod/probes/*.c $(DESTDIR)$(SRCDIR)/src/kmod/probes/

# The packages build from the tracked tree (plus new files not ignored),
# copied to build/deb, never from a tree with build outputs in it.
DEBTREE := build/deb/fastsocket-$(VERSION)
deb:
	rm -rf build/deb && mkdir -p $(DEBTREE)
	git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $(DEBTREE)
	cp -r packaging/deb/debian $(DEBTREE)/debian
	cd $(DEBTREE) && dpkg-buildpackage -us -uc -b
	lintian --pedantic -I --fail-on error,warning build/deb/fastsocket_$(VERSION)_*.changes

# --nodeps: on a Debian build machine rpm's own database lists nothing,
# and its /bin/sh (dash) cannot run rpm's brp-compress, so bash does.
RPMTOP := $(CURDIR)/build/rpm
rpm:
	rm -rf $(RPMTOP) && mkdir -p $(RPMTOP)/SOURCES $(RPMTOP)/tree/fastsocket-$(VERSION)
	git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $(RPMTOP)/tree/fastsocket-$(VERSION)
	tar -czf $(RPMTOP)/SOURCES/fastsocket-$(VERSION).tar.gz -C $(RPMTOP)/tree fastsocket-$(VERSION)
	rpmbuild -bb --nodeps --define "_topdir $(RPMTOP)" --define "fs_version $(VERSION)" --define "fs_abi $(FSOCKET_ABI)" \
		--define "_unitdir /usr/lib/systemd/system" --define "_udevrulesdir /usr/lib/udev/rules.d" \
		--define "__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}" packaging/rpm/fastsocket.spec

clean:
	$(MAKE) -C src/libfsocket clean
	$(MAKE) -C src/tools clean
	$(MAKE) -C src/ctl clean
	-test -d "$(KDIR)" && $(MAKE) -C src/kmod KDIR=$(KDIR) clean
	rm -rf build

bench-preload: lib
	bash bench/preload-overhead

.PHONY: all lib tools bench bench-insns bench-preload module check demo install deb rpm clean
