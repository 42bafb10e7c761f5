# fastsocket: top-level build.
#
#   make [KDIR=...]          the module (for KDIR, default: the running
#                            kernel) and libfsocket.so
#   make lib                 libfsocket.so only
#   make tools               the fastsocket command
#   make bench-preload       instructions per call with and without the library
#   make bench               nginx plain / reuseport / fastsocket for 1, 2 and
#                            4 vCPUs in a VM: CSV, table and plot (bench/)
#   make module [KDIR=...]   fastsocket.ko only
#   make check               the test suite (tests/run; installs with apt)
#   make demo                the main job (tests/demo/run)
#   make install DESTDIR=... library, header, udev rule, DKMS source tree
#   make clean

VERSION := $(shell cat VERSION)
KDIR    ?= /lib/modules/$(shell uname -r)/build
PREFIX  ?= /usr
LIBDIR  ?= $(PREFIX)/lib/$(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
INCDIR  ?= $(PREFIX)/include
UDEVDIR ?= /usr/lib/udev/rules.d
SRCDIR  ?= $(PREFIX)/src/fastsocket-$(VERSION)

BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man

all: module lib tools

lib:
	$(MAKE) -C src/libfsocket

tools:
	$(MAKE) -C src/tools LIBFILE=$(LIBDIR)/libfsocket.so.1

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

install: lib tools
	install -D -m 0755 src/tools/fastsocket $(DESTDIR)$(BINDIR)/fastsocket
	install -D -m 0644 man/fastsocket.1 $(DESTDIR)$(MANDIR)/man1/fastsocket.1
	install -D -m 0644 man/libfsocket.7 $(DESTDIR)$(MANDIR)/man7/libfsocket.7
	install -D -m 0755 src/libfsocket/libfsocket.so $(DESTDIR)$(LIBDIR)/libfsocket.so.1
	ln -sf libfsocket.so.1 $(DESTDIR)$(LIBDIR)/libfsocket.so
	install -D -m 0644 include/uapi/linux/fastsocket.h $(DESTDIR)$(INCDIR)/linux/fastsocket.h
	install -D -m 0644 udev/60-fastsocket.rules $(DESTDIR)$(UDEVDIR)/60-fastsocket.rules
	install -D -m 0644 dkms.conf $(DESTDIR)$(SRCDIR)/dkms.conf
	install -D -m 0644 VERSION $(DESTDIR)$(SRCDIR)/VERSION
	install -D -m 0644 include/uapi/linux/fastsocket.h $(DESTDIR)$(SRCDIR)/include/uapi/linux/fastsocket.h
	install -d $(DESTDIR)$(SRCDIR)/src/kmod
	install -m 0644 src/kmod/Kbuild src/kmod/Makefile src/kmod/*.c src/kmod/*.h $(DESTDIR)$(SRCDIR)/src/kmod/

deb rpm:
	@echo "make $@: the packages are not written yet (issue 6: DKMS, deb and rpm packaging)" >&2
	@exit 1

clean:
	$(MAKE) -C src/libfsocket clean
	$(MAKE) -C src/tools clean
	-test -d "$(KDIR)" && $(MAKE) -C src/kmod KDIR=$(KDIR) clean
	rm -rf build

bench-preload: lib
	bash bench/preload-overhead

.PHONY: all lib tools bench bench-preload module check demo install deb rpm clean
