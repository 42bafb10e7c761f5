// SPDX-License-Identifier: GPL-2.0-only
/*
 * tune / untune: spread receive and transmit work over the CPUs, as the
 * original's nic.sh did. For every interface in scope (tune_scope.c: the
 * allow-list, by default the physical ones): RPS on every usable CPU for
 * each receive queue; XPS, one CPU per transmit queue in turn; the NIC's
 * interrupts (its MSI vectors, a virtio-net's on its PCI function) one CPU
 * of its NUMA node each in turn. Two of the module's switches are
 * mechanisms the kernel has grown since, and tune turns them on:
 *  - enable_receive_cpu_selection=1 is RFS: the table
 *    (net.core.rps_sock_flow_entries) and a flow count per receive queue;
 *  - enable_skb_pool with its receive bit is the deferred free of received
 *    skbs on the CPU that allocated them (net.core.skb_defer_max, back to its
 *    default, 64, where it was set to 0).
 * With enable_receive_flow_deliver=1 an interface gets RFD (rfd.c) instead
 * of RPS and RFS, which would move its packets on again: RPS is set to
 * none there.
 * Every file's old value is written to CTL_STATE before anything changes,
 * and untune writes them back, last change first; RFD goes first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune.h"

#define CTL_FLOWS 32768		/* RFS table entries, shared by the queues */
#define CTL_DEFER "64"		/* net.core.skb_defer_max's default, 5.19-6.18 */
#define CTL_MAX_CHANGES 4096
#define CTL_MAX_IFACES 256

struct change {
	char path[PATH_MAX];
	char value[CTL_MAX_CPUS / 4 + CTL_MAX_CPUS / 32 + 2];
};

struct plan {
	struct change *c;
	int n;
	bool rfd;		/* RFD instead of RPS on every interface */
	bool rfs;		/* RFS: enable_receive_cpu_selection */
	bool add;		/* --add: only interfaces not tuned yet */
	struct ctl_scope scope;
	char iface[CTL_MAX_IFACES][32];	/* those tuned */
	int niface, nskipped, nalready;
	int nirq;
};

static int plan_add(struct plan *p, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int plan_add(struct plan *p, const char *value, const char *fmt, ...)
{
	va_list ap;

	if (p->n == CTL_MAX_CHANGES) {
		fprintf(stderr, "fastsocketctl tune: more than %d files to change\n",
			CTL_MAX_CHANGES);
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(p->c[p->n].path, sizeof(p->c[p->n].path), fmt, ap);
	va_end(ap);
	snprintf(p->c[p->n].value, sizeof(p->c[p->n].value), "%s", value);
	p->n++;
	return 0;
}

/* A CPU mask as sysfs takes it: 32-bit hex words, highest first. */
static void cpu_mask(char *out, size_t size, const int *cpus, int n)
{
	unsigned int words[CTL_MAX_CPUS / 32] = { 0 };
	int i, top = 0;
	size_t len = 0;

	for (i = 0; i < n; i++) {
		words[cpus[i] / 32] |= 1u << (cpus[i] % 32);
		if (cpus[i] / 32 > top)
			top = cpus[i] / 32;
	}
	for (i = top; i >= 0 && len < size; i--)
		len += snprintf(out + len, size - len, i == top ? "%x" : ",%08x",
				words[i]);
}

static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(ctl_path(dir));
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Where the interface's MSI vectors are listed: its device's msi_irqs, or
 * for virtio-net (a virtio device on a PCI function) its parent's. Only a
 * virtio device looks up: another's parent may be a bridge with vectors
 * of its own.
 */
static void msi_dir(char *dir, size_t size, const char *ifname)
{
	char link[PATH_MAX], sub[256];
	const char *bus;
	ssize_t len;

	snprintf(dir, size, "/sys/class/net/%.64s/device/msi_irqs", ifname);
	if (ctl_exists(dir))
		return;
	snprintf(sub, sizeof(sub), "/sys/class/net/%.64s/device/subsystem", ifname);
	len = readlink(ctl_path(sub), link, sizeof(link) - 1);
	if (len <= 0)
		return;
	link[len] = '\0';
	bus = strrchr(link, '/');
	if (!strcmp(bus ? bus + 1 : link, "virtio"))
		snprintf(dir, size, "/sys/class/net/%.64s/device/../msi_irqs", ifname);
}

/* The interface's interrupts, by its MSI vectors, one CPU each in turn. */
static int plan_irqs(struct plan *p, const char *ifname)
{
	char dir[256], cpu[16];
	int irq[1024], n = 0, i, ncpu;
	static int cpus[CTL_MAX_CPUS];
	struct dirent *e;
	DIR *d;

	msi_dir(dir, sizeof(dir), ifname);
	d = opendir(ctl_path(dir));
	if (!d)
		return 0;	/* a virtual interface: no interrupts of its own */
	while ((e = readdir(d)) && n < 1024)
		if (e->d_name[0] != '.')
			irq[n++] = atoi(e->d_name);
	closedir(d);
	qsort(irq, n, sizeof(irq[0]), cmp_int);
	ncpu = ctl_scope_irq_cpus(&p->scope, ifname, cpus);
	p->nirq += n;
	for (i = 0; i < n; i++) {
		snprintf(cpu, sizeof(cpu), "%d", cpus[i % ncpu]);
		if (plan_add(p, cpu, "/proc/irq/%d/smp_affinity_list", irq[i]))
			return -1;
	}
	return 0;
}

/* A mask as sysfs or cpu_mask() writes it, without commas and leading 0s. */
static void mask_norm(char *out, size_t size, const char *mask)
{
	size_t n = 0;

	for (; *mask && n + 1 < size; mask++)
		if (*mask != ',' && (n || *mask != '0'))
			out[n++] = *mask;
	out[n] = '\0';
}

/*
 * --add: @ifname has what tune gives it (RPS on the usable CPUs; with RFD,
 * a note of it in CTL_STATE, read from @state).
 */
static bool already_tuned(const struct plan *p, const char *ifname, FILE *state)
{
	char path[256], have[sizeof(p->c[0].value)], want[sizeof(have)];
	char a[sizeof(have)], b[sizeof(have)], line[PATH_MAX + 64], mark[64];

	if (p->rfd) {
		snprintf(mark, sizeof(mark), CTL_RFD_MARK "%.40s\t", ifname);
		rewind(state);
		while (fgets(line, sizeof(line), state))
			if (!strncmp(line, mark, strlen(mark)))
				return true;
		return false;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%.64s/queues/rx-0/rps_cpus", ifname);
	if (ctl_read(path, have, sizeof(have)))
		return false;
	cpu_mask(want, sizeof(want), p->scope.cpu, p->scope.ncpu);
	mask_norm(a, sizeof(a), have);
	mask_norm(b, sizeof(b), want);
	return !strcmp(a, b);
}

static int plan_interface(struct plan *p, const char *ifname)
{
	char dir[256], mask[sizeof(p->c[0].value)], flows[16];
	int nrx, ntx, i;

	snprintf(dir, sizeof(dir), "/sys/class/net/%.64s/queues", ifname);
	nrx = count_entries(dir, "rx-");
	ntx = count_entries(dir, "tx-");
	if (!nrx)
		return 0;
	if (p->niface == CTL_MAX_IFACES) {
		fprintf(stderr, "fastsocketctl tune: more than %d interfaces\n",
			CTL_MAX_IFACES);
		return -1;
	}
	snprintf(p->iface[p->niface++], sizeof(p->iface[0]), "%s", ifname);
	cpu_mask(mask, sizeof(mask), p->scope.cpu, p->scope.ncpu);
	snprintf(flows, sizeof(flows), "%d", CTL_FLOWS / nrx);
	if (p->rfd) {
		strcpy(mask, "0");
		strcpy(flows, "0");
	}
	for (i = 0; i < nrx; i++)
		if (plan_add(p, mask, "%s/rx-%d/rps_cpus", dir, i) ||
		    ((p->rfs || p->rfd) &&
		     plan_add(p, flows, "%s/rx-%d/rps_flow_cnt", dir, i)))
			return -1;
	for (i = 0; i < ntx; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/tx-%d/xps_cpus", dir, i);
		if (!ctl_exists(path))
			continue;
		cpu_mask(mask, sizeof(mask), &p->scope.cpu[i % p->scope.ncpu], 1);
		if (plan_add(p, mask, "%s", path))
			return -1;
	}
	return plan_irqs(p, ifname);
}

/* Only the initial network namespace has these two sysctls. */
static void no_sysctl(const char *name, const char *outcome)
{
	fprintf(stderr, "fastsocketctl tune: no net.core.%s in this network namespace (only the initial one has it): %s\n",
		name, outcome);
}

/* RFS's table, for enable_receive_cpu_selection=1. */
static int plan_rfs_table(struct plan *p)
{
	char flows[16];

	if (!ctl_exists("/proc/sys/net/core/rps_sock_flow_entries")) {
		no_sysctl("rps_sock_flow_entries",
			  "RFS stays off unless it is set there");
		return 0;
	}
	snprintf(flows, sizeof(flows), "%d", CTL_FLOWS);
	return plan_add(p, flows, "/proc/sys/net/core/rps_sock_flow_entries");
}

/*
 * The skb pool's receive half: TCP frees a received skb on the CPU that
 * allocated it, back into that CPU's caches, unless skb_defer_max is 0.
 * A value other than 0 is the administrator's and is kept.
 */
static int plan_skb_defer(struct plan *p)
{
	char v[32];

	if (ctl_read("/proc/sys/net/core/skb_defer_max", v, sizeof(v))) {
		no_sysctl("skb_defer_max",
			  "the skb pool's receive half is left as it is");
		return 0;
	}
	return strcmp(v, "0") ? 0 :
		plan_add(p, CTL_DEFER, "/proc/sys/net/core/skb_defer_max");
}

/* The plan; with --add (@state: CTL_STATE), interfaces not tuned yet only. */
static int make_plan(struct plan *p, char **names, int nnames, FILE *state)
{
	struct dirent **e;
	int i, n, ret = 0;

	if (ctl_scope_init(&p->scope, names, nnames))
		return -1;
	p->rfd = ctl_param("enable_receive_flow_deliver") == 1;
	p->rfs = ctl_param("enable_receive_cpu_selection") == 1 && !p->rfd;
	if (!p->add && p->rfs && plan_rfs_table(p))
		return -1;
	if (!p->add && (ctl_param("enable_skb_pool") & 1) && plan_skb_defer(p))
		return -1;
	/* In name order: the same plan, and the same output, every time. */
	n = scandir(ctl_path("/sys/class/net"), &e, NULL, alphasort);
	if (n < 0) {
		perror("fastsocketctl tune: /sys/class/net");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = e[i]->d_name;

		if (ret || name[0] == '.' || !strcmp(name, "lo"))
			continue;
		if (!ctl_scope_interface(&p->scope, name))
			p->nskipped++;
		else if (p->add && already_tuned(p, name, state))
			p->nalready++;
		else
			ret = plan_interface(p, name);
	}
	for (i = 0; i < n; i++)
		free(e[i]);
	free(e);
	return ret;
}

/* Which interfaces and CPUs, and what would undo the interrupts' spread. */
static void say_scope(const struct plan *p)
{
	int i;

	printf("interfaces (%s):", p->scope.source);
	for (i = 0; i < p->niface; i++)
		printf(" %s", p->iface[i]);
	printf("%s", p->niface ? "" : " none");
	if (p->nalready)
		printf("; %d already tuned", p->nalready);
	if (p->nskipped)
		printf("; %d other%s left as they are", p->nskipped,
		       p->nskipped > 1 ? "s" : "");
	printf("\n");
	if (p->scope.nisolated)
		printf("%d isolated CPU%s left out\n", p->scope.nisolated,
		       p->scope.nisolated > 1 ? "s" : "");
	if (p->nirq && ctl_irqbalance_running())
		fprintf(stderr, "fastsocketctl tune: warning: irqbalance is running and will move the NICs' interrupts again; ban them there (IRQBALANCE_BANNED_CPULIST or --banirq) or stop it\n");
}

/*
 * Old values first: a tune cut short can still be undone. The plan keeps
 * only the files whose value could be read.
 */
static int write_old(struct plan *p, struct change *old, FILE *f)
{
	int i, n;

	for (i = 0, n = 0; i < p->n; i++) {
		/* A file that cannot be read (a queue without XPS) is left. */
		old[n] = p->c[i];
		if (ctl_read(p->c[i].path, old[n].value, sizeof(old[n].value)))
			continue;
		p->c[n] = p->c[i];
		fprintf(f, "%s\t%s\n", old[n].path, old[n].value);
		n++;
	}
	p->n = n;
	return fflush(f) || fsync(fileno(f)) ? -1 : 0;
}

static int save_old(struct plan *p, struct change *old)
{
	char tmp[PATH_MAX];
	FILE *f;

	mkdir(ctl_path("/run"), 0755);
	mkdir(ctl_path("/run/fastsocket"), 0755);
	f = fopen(ctl_path(CTL_STATE ".new"), "we");
	if (!f)
		return -1;
	if (write_old(p, old, f)) {
		fclose(f);
		return -1;
	}
	if (fclose(f))
		return -1;
	/* ctl_path() has one buffer: the two names cannot share it. */
	snprintf(tmp, sizeof(tmp), "%s", ctl_path(CTL_STATE ".new"));
	return rename(tmp, ctl_path(CTL_STATE));
}

/*
 * Write back @n saved values, last first. A file that is gone (its
 * interface or interrupt removed since tune) has nothing left to restore:
 * said, and counted as restored, so that untune always converges. The
 * values that could not be written are moved to the front of @old; returns
 * their number.
 */
static int restore(struct change *old, int n)
{
	int i = n, top = n;

	while (i-- > 0) {
		if (!ctl_write(old[i].path, old[i].value))
			continue;
		if (errno == ENOENT || errno == ENODEV) {
			printf("%s is gone (its device was removed): nothing to restore\n",
			       old[i].path);
			continue;
		}
		fprintf(stderr, "fastsocketctl: cannot restore %s to %s: %s\n",
			old[i].path, old[i].value, strerror(errno));
		/* Above every entry still to write, so none is overwritten. */
		old[--top] = old[i];
	}
	memmove(old, old + top, (size_t)(n - top) * sizeof(*old));
	return n - top;
}

/* Keep only the @n values not restored in CTL_STATE, for the next untune. */
static int keep_failed(const struct change *old, int n)
{
	FILE *f = fopen(ctl_path(CTL_STATE), "we");
	int i;

	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(f, "%s\t%s\n", old[i].path, old[i].value);
	return fclose(f);
}

/*
 * RFD on every interface tune planned (those in scope with receive
 * queues), each one noted in CTL_STATE for untune. An interface RFD cannot
 * take (one with another XDP program) is said and left without it: no
 * failure.
 */
static void tune_rfd(const struct plan *p)
{
	FILE *f = fopen(ctl_path(CTL_STATE), "ae");
	int i;

	for (i = 0; f && i < p->niface; i++) {
		if (ctl_rfd_on(p->iface[i]))
			fprintf(stderr, "fastsocketctl tune: %s goes without RFD\n",
				p->iface[i]);
		else
			fprintf(f, CTL_RFD_MARK "%s\ton\n", p->iface[i]);
	}
	if (!f || fclose(f))
		fprintf(stderr, "fastsocketctl tune: cannot note RFD in %s\n",
			CTL_STATE);
}

/* --dry-run: each file tune would change, with its value now and then. */
static void show_plan(const struct plan *p)
{
	char now[sizeof(p->c->value)];
	int i;

	for (i = 0; i < p->n; i++) {
		if (ctl_read(p->c[i].path, now, sizeof(now)))
			continue;	/* tune leaves a file it cannot read */
		printf("%s: %s -> %s\n", p->c[i].path, now, p->c[i].value);
	}
	if (p->rfd)
		printf("and receive flow deliver (rfd on) on each of those interfaces\n");
	printf("dry run: nothing changed (%d files on %d CPUs)\n", p->n, p->scope.ncpu);
}

/* tune's arguments: --dry-run, --add, and --interface NAME into @names. */
static int parse_tune(int argc, char **argv, bool *dry, bool *add, char **names,
		      int *nnames)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") && !*add) {
			*dry = true;
		} else if (!strcmp(argv[i], "--add") && !*dry) {
			*add = true;
		} else if (!strcmp(argv[i], "--interface") && i + 1 < argc &&
			   argv[i + 1][0] && *nnames < CTL_MAX_PATTERNS) {
			names[(*nnames)++] = argv[++i];
		} else {
			fprintf(stderr, "usage: fastsocketctl tune [--dry-run | --add] [--interface NAME]...\n");
			return -1;
		}
	}
	return 0;
}

/*
 * --add (run by udev as an interface appears): the interfaces in scope
 * that tune has not given their share yet, their old values appended to
 * CTL_STATE under a lock, so that several at once neither repeat nor
 * lose one. Where nothing is tuned there is nothing to add to.
 */
static int tune_add(struct plan *p, char **names, int nnames, struct change *old)
{
	int fd = open(ctl_path(CTL_STATE), O_RDWR | O_APPEND | O_CLOEXEC);
	int i, ret = 1;
	FILE *f;

	if (fd < 0) {
		if (errno != ENOENT) {
			perror("fastsocketctl tune --add: " CTL_STATE);
			return 1;
		}
		printf("not tuned: nothing to add to (systemctl start fastsocket tunes)\n");
		return 0;
	}
	f = fdopen(fd, "a+");
	if (!f) {
		close(fd);
		return 1;
	}
	if (flock(fd, LOCK_EX) || make_plan(p, names, nnames, f))
		goto out;
	say_scope(p);
	if (write_old(p, old, f)) {
		fprintf(stderr, "fastsocketctl tune: cannot add the old values to %s: %s\n",
			CTL_STATE, strerror(errno));
		goto out;
	}
	for (i = 0; i < p->n; i++) {
		if (ctl_write(p->c[i].path, p->c[i].value)) {
			fprintf(stderr, "fastsocketctl tune: cannot write %s to %s: %s; undoing\n",
				p->c[i].value, p->c[i].path, strerror(errno));
			/* Their old values stay saved: untune writes them again. */
			restore(old, i);
			goto out;
		}
	}
	if (p->rfd)
		tune_rfd(p);
	printf("tuned: %d values added for %d interfaces (%d in scope already tuned)\n",
	       p->n, p->niface, p->nalready);
	ret = 0;
out:
	fclose(f);
	return ret;
}

int ctl_tune(int argc, char **argv)
{
	static struct plan p;
	struct change *old = calloc(CTL_MAX_CHANGES, sizeof(struct change));
	char *names[CTL_MAX_PATTERNS];
	int i, failed, nnames = 0, ret = 1;
	bool dry = false;

	p.c = calloc(CTL_MAX_CHANGES, sizeof(struct change));
	if (parse_tune(argc, argv, &dry, &p.add, names, &nnames))
		goto out;
	if (!p.c || !old) {
		perror("fastsocketctl tune");
		goto out;
	}
	if (!dry && ctl_need_caps("tune"))
		goto out;
	/* Without the module nothing uses the tuning: the host stays as it is. */
	if (!ctl_exists("/sys/module/fastsocket")) {
		fprintf(stderr, "fastsocketctl tune: the module is not loaded (systemctl start fastsocket loads it, then tunes); nothing changed\n");
		goto out;
	}
	if (p.add) {
		ret = tune_add(&p, names, nnames, old);
		goto out;
	}
	if (dry) {
		ret = make_plan(&p, names, nnames, NULL) ? 1 : 0;
		if (!ret) {
			say_scope(&p);
			show_plan(&p);
		}
		goto out;
	}
	if (ctl_exists(CTL_STATE)) {
		printf("already tuned (old values in %s); untune first to tune again\n",
		       CTL_STATE);
		ret = 0;
		goto out;
	}
	if (make_plan(&p, names, nnames, NULL))
		goto out;
	say_scope(&p);
	if (save_old(&p, old)) {
		fprintf(stderr, "fastsocketctl tune: cannot save the old values in %s: %s\n",
			CTL_STATE, strerror(errno));
		unlink(ctl_path(CTL_STATE ".new"));
		goto out;
	}
	for (i = 0; i < p.n; i++) {
		if (ctl_write(p.c[i].path, p.c[i].value)) {
			fprintf(stderr, "fastsocketctl tune: cannot write %s to %s: %s; undoing\n",
				p.c[i].value, p.c[i].path, strerror(errno));
			failed = restore(old, i);
			if (failed ? keep_failed(old, failed) : unlink(ctl_path(CTL_STATE)))
				fprintf(stderr, "fastsocketctl tune: cannot update %s: %s\n",
					CTL_STATE, strerror(errno));
			goto out;
		}
	}
	if (p.rfd)
		tune_rfd(&p);
	printf("tuned: %d values changed on %d CPUs (old values in %s)\n",
	       p.n, p.scope.ncpu, CTL_STATE);
	ctl_module_stale();
	ret = 0;
out:
	free(p.c);
	free(old);
	return ret;
}

int ctl_untune(int argc, char **argv)
{
	struct change *old = calloc(CTL_MAX_CHANGES, sizeof(struct change));
	char line[sizeof(old->path) + sizeof(old->value) + 2], *tab;
	int n = 0, failed, ret = 1;
	FILE *f;

	(void)argv;
	if (argc > 1 || !old) {
		fprintf(stderr, "usage: fastsocketctl untune\n");
		goto out;
	}
	f = fopen(ctl_path(CTL_STATE), "re");
	if (!f) {
		printf("not tuned: nothing to undo\n");
		ret = errno == ENOENT ? 0 : 1;
		goto out;
	}
	if (ctl_need_caps("untune")) {
		fclose(f);
		goto out;
	}
	while (n < CTL_MAX_CHANGES && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		if (!strncmp(line, CTL_RFD_MARK, strlen(CTL_RFD_MARK))) {
			ctl_rfd_off(line + strlen(CTL_RFD_MARK));
			continue;
		}
		if (strlen(line) >= sizeof(old[n].path) ||
		    strlen(tab + 1) >= sizeof(old[n].value))
			continue;	/* not written by tune */
		strcpy(old[n].path, line);
		strcpy(old[n].value, tab + 1);
		n++;
	}
	fclose(f);
	failed = restore(old, n);
	if (failed) {
		if (keep_failed(old, failed))
			fprintf(stderr, "fastsocketctl untune: cannot rewrite %s: %s\n",
				CTL_STATE, strerror(errno));
		fprintf(stderr, "fastsocketctl untune: %d values not restored, kept in %s for the next untune\n",
			failed, CTL_STATE);
		goto out;
	}
	unlink(ctl_path(CTL_STATE));
	printf("untuned: %d values restored\n", n);
	ret = 0;
out:
	free(old);
	return ret;
}
