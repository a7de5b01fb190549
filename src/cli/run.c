#include "cli/cli.h"
#include "api/api.h"
#include "api/migrate.h"
#include "desktop/vnc.h"
#include "display/bochs_regs.h"
#include "core/log.h"
#include "core/size.h"
#include "core/layout.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MEMORY (1ull << 40)

enum {
	OPT_KERNEL = 'k',
	OPT_INITRD = 'i',
	OPT_CMDLINE = 'c',
	OPT_MEMORY = 'm',
	OPT_CPUS = 'n',
	OPT_HUGEPAGES = 0x100,
	OPT_NO_QUIRKS,
	OPT_PIT,
	OPT_RNG,
	OPT_DISK,
	OPT_NET,
	OPT_CONSOLE,
	OPT_INPUT,
	OPT_IOMMU,
	OPT_VERBOSE,
	OPT_API_SOCKET,
	OPT_RESTORE,
	OPT_PAUSED,
	OPT_INCOMING,
	OPT_DISPLAY,
	OPT_VNC,
	OPT_HELP,
};

static const struct option run_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "hugepages", optional_argument, NULL, OPT_HUGEPAGES },
	{ "no-host-quirks", no_argument, NULL, OPT_NO_QUIRKS },
	{ "pit", no_argument, NULL, OPT_PIT },
	{ "rng", no_argument, NULL, OPT_RNG },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "iommu", optional_argument, NULL, OPT_IOMMU },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	{ "paused", no_argument, NULL, OPT_PAUSED },
	{ "incoming", required_argument, NULL, OPT_INCOMING },
	{ "display", optional_argument, NULL, OPT_DISPLAY },
	{ "vnc", required_argument, NULL, OPT_VNC },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void run_usage(FILE *f)
{
	fprintf(f,
		"usage: vessel run [options]\n"
		"Boot a VM on KVM: the built-in guest, or a Linux kernel.\n\n"
		"  --kernel FILE     bzImage, or ELF vmlinux with a PVH entry (default: built-in guest)\n"
		"  --initrd FILE     initial ramdisk\n"
		"  --cmdline STRING  kernel command line (default for --kernel: \"console=ttyS0 panic=-1\")\n"
		"  --memory SIZE     guest RAM, e.g. 512M or 4G; a bare number is MiB (default 256M)\n"
		"  --cpus N          vCPUs, 1-%d (default 1)\n"
		"  --hugepages[=DIR] back RAM with huge pages: transparent, or from a hugetlbfs mount\n"
		"  --pit             add the legacy i8254 PIT (for guests without another timer)\n"
		"  --rng             add a virtio-rng device fed by the host's getrandom()\n"
		"  --disk FILE[,OPTS] add a virtio-blk disk backed by a raw image (repeatable);\n"
		"                    OPTS: readonly, serial=ID (20 bytes), queues=N (1-%d),\n"
		"                    io=uring|sync (default: io_uring where the host has it),\n"
		"                    poll=USEC (0-%d: how long an idle queue's thread polls\n"
		"                    before it sleeps; 0 never polls; default %d),\n"
		"                    cache=writeback|none (none: O_DIRECT, past the host's\n"
		"                    page cache; default writeback)\n"
		"  --net tap,ifname=NAME[,queues=N][,mac=M][,mtu=N]  add a virtio-net NIC on\n"
		"                    a tap device (repeatable, up to %d): an existing tap, or\n"
		"                    one vessel creates (with CAP_NET_ADMIN) and that goes away\n"
		"                    at exit; tap,fd=N takes an open tap fd from the parent;\n"
		"                    queues=N (1-%d) queue pairs on a multi_queue tap;\n"
		"                    mac= default: a stable locally administered address from\n"
		"                    the NIC's index and the tap's name; mtu= what the guest\n"
		"                    is told (68-65535, default 1500); poll=USEC (0-%d) as\n"
		"                    for --disk (default %d)\n"
		"  --net user[,hostfwd=tcp|udp:[ADDR]:HOSTPORT-:GUESTPORT]...[,net=CIDR]\n"
		"                    [,dns=ADDR][,restrict=on]  a NIC on user-mode networking\n"
		"                    (libslirp, no privileges): NAT, DHCP, DNS; QEMU's\n"
		"                    addresses (10.0.2.0/24, gateway .2, DNS .3, guest .15);\n"
		"                    forwards listen on 127.0.0.1 unless ADDR is given\n"
		"  --net passt[,hostfwd=...]...[,socket=PATH]  a NIC on passt (no privileges;\n"
		"                    the guest's packets parsed in passt's own sandboxed\n"
		"                    process): vessel starts passt with the forwards (as its\n"
		"                    -t/-u) and stops it at exit, or connects to socket=PATH\n"
		"  --console serial|virtio  where the terminal's input goes: the 16550 UART\n"
		"                    (ttyS0, default) or a virtio-console (hvc0; Linux gets\n"
		"                    console=hvc0); the guest's output on either reaches stdout\n"
		"  --input virtio|ps2  the viewer's keyboard and pointer: a virtio-input\n"
		"                    keyboard and tablet (absolute pointer) beside the i8042,\n"
		"                    or the i8042's PS/2 keyboard and mouse alone (the default\n"
		"                    without --display)\n"
		"  --iommu[=caching-mode]  an emulated Intel VT-d IOMMU (ACPI DMAR) remapping\n"
		"                    the DMA and interrupts of every PCI device\n"
		"  --api-socket PATH serve the control API (HTTP/1.1, JSON; docs/api.yaml) on a\n"
		"                    unix socket, mode 0600; 'vessel ctl' is its client\n"
		"  --restore DIR     resume the snapshot in DIR (docs/snapshot.md) with the\n"
		"                    configuration it holds: no other machine options\n"
		"  --paused          with --restore and --api-socket: stay paused until the\n"
		"                    API's PUT /vm/resume\n"
		"  --incoming unix:PATH|tcp:ADDR:PORT  wait for a VM migrated from another\n"
		"                    vessel (docs/migration.md): it brings its configuration\n"
		"  --display [WxH]   add a bochs-display (PCI 1234:1111) whose preferred mode\n"
		"                    (EDID) is WxH, %ux%u to %ux%u (default %ux%u), and\n"
		"                    virtio-input unless --input says otherwise\n"
		"  --vnc ADDR:PORT|unix:PATH[,password-file=F][,fps=N]  serve the display over\n"
		"                    VNC (RFB 3.8) and to a browser (http://ADDR:PORT/, noVNC)\n"
		"                    on ADDR (default 127.0.0.1); VNC authentication with the\n"
		"                    first line of F (mode 0600, at most 8 characters); at most\n"
		"                    N updates a second (1-%d, default %d); adds --display\n"
		"  --no-host-quirks  no kernel parameters or emulation for hosts with KVM quirks\n"
		"  --verbose         debug messages on stderr\n\n"
		"exit status: 0 guest powered off, 1 VMM error, 2 usage error, 3 guest reset,\n"
		"4 guest crash (triple fault or panic), 128+N stopped by signal N\n"
		"console: stdin goes to the guest's console; in a terminal, Ctrl-A x quits\n",
		MACHINE_MAX_CPUS, VIRTIO_BLK_MAX_QUEUES, VIRTIO_BLK_MAX_POLL_US, VIRTIO_BLK_POLL_US,
		MACHINE_MAX_NICS, NET_MAX_QUEUES, NET_MAX_POLL_US, NET_POLL_US,
		DISPLAY_MIN_WIDTH, DISPLAY_MIN_HEIGHT, BOCHS_MAX_WIDTH, BOCHS_MAX_HEIGHT,
		DISPLAY_DEFAULT_WIDTH, DISPLAY_DEFAULT_HEIGHT, VNC_MAX_FPS, VNC_DEFAULT_FPS);
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vessel run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vessel run --help'.\n");
	return EXIT_USAGE;
}

static int parse_memory(const char *arg, struct machine_config *cfg)
{
	uint64_t v;

	if (parse_size(arg, 1ull << 20, &v))
		return usage_error("--memory '%s': not a size (examples: 512M, 2G, 1024)", arg);
	if (v < MIN_RAM_SIZE)
		return usage_error("--memory %s: too small, the minimum is 8M", arg);
	if (v > MAX_MEMORY)
		return usage_error("--memory %s: too large, the maximum is 1T", arg);
	if (v % (1ull << 20))
		return usage_error("--memory %s: must be a whole number of MiB", arg);
	cfg->mem_size = v;
	return 0;
}

static int parse_cpus(const char *arg, struct machine_config *cfg)
{
	uint64_t v;

	if (parse_uint(arg, MACHINE_MAX_CPUS, &v) || v == 0)
		return usage_error("--cpus '%s': must be a number from 1 to 254", arg);
	cfg->cpus = (unsigned)v;
	return 0;
}

/* A --disk option with two values: @off (the default) or @on. */
static int disk_choice(const char *arg, const char *key, const char *value, const char *off,
		       const char *on, bool *out)
{
	if (value && !strcmp(value, off))
		*out = false;
	else if (value && !strcmp(value, on))
		*out = true;
	else
		return usage_error("--disk %s: %s= is '%s' or '%s'", arg, key, off, on);
	return 0;
}

static int disk_suboption(const char *arg, struct blk_options *o, char **opts)
{
	enum { D_READONLY, D_SERIAL, D_QUEUES, D_IO, D_POLL, D_CACHE };
	char *const tokens[] = { "readonly", "serial", "queues", "io", "poll", "cache", NULL };
	char *value = NULL;
	uint64_t n;

	switch (getsubopt(opts, tokens, &value)) {
	case D_READONLY:
		if (value)
			return usage_error("--disk %s: 'readonly' takes no value", arg);
		o->readonly = true;
		return 0;
	case D_SERIAL:
		if (!value || strlen(value) > VIRTIO_BLK_ID_BYTES)
			return usage_error("--disk %s: serial=ID needs an ID of 1 to %d bytes", arg,
					   VIRTIO_BLK_ID_BYTES);
		o->serial = value;
		return 0;
	case D_QUEUES:
		if (!value || parse_uint(value, VIRTIO_BLK_MAX_QUEUES, &n) || n == 0)
			return usage_error("--disk %s: queues=N needs a number from 1 to %d", arg,
					   VIRTIO_BLK_MAX_QUEUES);
		o->queues = (unsigned)n;
		return 0;
	case D_IO:
		return disk_choice(arg, "io", value, "uring", "sync", &o->sync_io);
	case D_POLL:
		if (!value || parse_uint(value, VIRTIO_BLK_MAX_POLL_US, &n))
			return usage_error("--disk %s: poll=USEC needs a number from 0 to %d", arg,
					   VIRTIO_BLK_MAX_POLL_US);
		o->poll_us = (unsigned)n;
		return 0;
	case D_CACHE:
		return disk_choice(arg, "cache", value, "writeback", "none", &o->direct);
	default:
		return usage_error("--disk %s: unknown option '%s' (known: readonly, serial=ID, "
				   "queues=N, io=uring|sync, poll=USEC, cache=writeback|none)", arg, value);
	}
}

/* --disk PATH[,readonly][,serial=ID][,queues=N][,io=uring|sync][,poll=USEC][,cache=MODE] */
static int parse_disk(const char *arg, struct machine_config *cfg)
{
	struct disk_config *d = &cfg->disks[cfg->nr_disks];
	char *opts;
	int r;

	if (cfg->nr_disks == MACHINE_MAX_DISKS)
		return usage_error("--disk %s: at most %d disks", arg, MACHINE_MAX_DISKS);
	if (strlen(arg) >= sizeof(d->spec))
		return usage_error("--disk: argument too long");
	strcpy(d->spec, arg);
	memset(&d->opts, 0, sizeof(d->opts));
	d->opts.path = d->spec;
	d->opts.queues = 1;
	d->opts.poll_us = VIRTIO_BLK_POLL_US;
	opts = strchr(d->spec, ',');
	if (opts)
		*opts++ = '\0';
	if (!d->spec[0])
		return usage_error("--disk '%s': no image file named", arg);
	while (opts && *opts)
		if ((r = disk_suboption(arg, &d->opts, &opts)))
			return r;
	cfg->nr_disks++;
	return 0;
}

/* --net KIND[,KEY=VALUE]... */
static int parse_net(const char *arg, struct machine_config *cfg)
{
	struct error err;

	if (cfg->nr_nics == MACHINE_MAX_NICS)
		return usage_error("--net %s: at most %d NICs", arg, MACHINE_MAX_NICS);
	if (net_options_parse(&cfg->nics[cfg->nr_nics], arg, &err))
		return usage_error("%s", err.msg);
	cfg->nr_nics++;
	return 0;
}

/* --display[=WxH] */
static int parse_display(const char *arg, struct machine_config *cfg)
{
	unsigned w = DISPLAY_DEFAULT_WIDTH, h = DISPLAY_DEFAULT_HEIGHT;
	char tail;

	if (arg && sscanf(arg, "%ux%u%c", &w, &h, &tail) != 2)
		return usage_error("--display=%s: not WIDTHxHEIGHT (example: 1280x720)", arg);
	if (w < DISPLAY_MIN_WIDTH || h < DISPLAY_MIN_HEIGHT || w > BOCHS_MAX_WIDTH ||
	    h > BOCHS_MAX_HEIGHT)
		return usage_error("--display=%s: from %ux%u to %ux%u", arg, DISPLAY_MIN_WIDTH,
				   DISPLAY_MIN_HEIGHT, BOCHS_MAX_WIDTH, BOCHS_MAX_HEIGHT);
	cfg->display_width = w;
	cfg->display_height = h;
	return 0;
}

static int parse_vnc(const char *arg, struct run_args *args)
{
	struct error err;

	if (vnc_options_parse(arg, &args->vnc_opts, &err))
		return usage_error("%s", err.msg);
	args->vnc = true;
	return 0;
}

int run_parse(int argc, char **argv, struct machine_config *cfg)
{
	struct run_args args;

	return run_parse_api(argc, argv, cfg, &args);
}

/* A snapshot brings its own configuration: options that would change it are refused. */
static int check_restore(const struct run_args *args, unsigned machine_opts)
{
	if (!args->restore)
		return args->paused ? usage_error("--paused goes with --restore") : 0;
	if (machine_opts)
		return usage_error("--restore %s: the snapshot holds the machine's configuration; "
				   "only --api-socket, --paused and --verbose go with it",
				   args->restore);
	if (args->paused && !args->api_socket)
		return usage_error("--paused needs --api-socket: nothing else could resume the VM");
	return 0;
}

int run_parse_api(int argc, char **argv, struct machine_config *cfg, struct run_args *args)
{
	unsigned machine_opts = 0;
	bool input_given = false;
	int opt, r;

	memset(args, 0, sizeof(*args));
	machine_config_defaults(cfg);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", run_options, NULL)) != -1) {
		machine_opts += opt != OPT_VERBOSE && opt != OPT_API_SOCKET && opt != OPT_RESTORE &&
				opt != OPT_PAUSED && opt != OPT_INCOMING && opt != OPT_HELP;
		switch (opt) {
		case OPT_KERNEL:
			cfg->kernel_path = optarg;
			break;
		case OPT_INITRD:
			cfg->initrd_path = optarg;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case OPT_MEMORY:
			if ((r = parse_memory(optarg, cfg)))
				return r;
			break;
		case OPT_CPUS:
			if ((r = parse_cpus(optarg, cfg)))
				return r;
			break;
		case OPT_HUGEPAGES:
			cfg->backing = optarg ? GUEST_MEM_HUGETLBFS : GUEST_MEM_THP;
			cfg->hugetlbfs = optarg;
			break;
		case OPT_NO_QUIRKS:
			cfg->host_quirks = false;
			break;
		case OPT_PIT:
			cfg->pit = true;
			break;
		case OPT_RNG:
			cfg->rng = true;
			break;
		case OPT_CONSOLE:
			if (!strcmp(optarg, "serial"))
				cfg->console = CONSOLE_SERIAL;
			else if (!strcmp(optarg, "virtio"))
				cfg->console = CONSOLE_VIRTIO;
			else
				return usage_error("--console '%s': 'serial' or 'virtio'", optarg);
			break;
		case OPT_INPUT:
			input_given = true;
			if (!strcmp(optarg, "virtio"))
				cfg->input = INPUT_VIRTIO;
			else if (!strcmp(optarg, "ps2"))
				cfg->input = INPUT_PS2;
			else
				return usage_error("--input '%s': 'virtio' or 'ps2'", optarg);
			break;
		case OPT_IOMMU:
			cfg->iommu = true;
			if (optarg && strcmp(optarg, "caching-mode"))
				return usage_error("--iommu=%s: the only option is 'caching-mode'", optarg);
			cfg->iommu_caching_mode = optarg != NULL;
			break;
		case OPT_DISK:
			if ((r = parse_disk(optarg, cfg)))
				return r;
			break;
		case OPT_NET:
			if ((r = parse_net(optarg, cfg)))
				return r;
			break;
		case OPT_VERBOSE:
			log_set_verbose(true);
			break;
		case OPT_API_SOCKET:
			if (!optarg[0])
				return usage_error("--api-socket: no path given");
			args->api_socket = optarg;
			break;
		case OPT_RESTORE:
			if (!optarg[0])
				return usage_error("--restore: no directory given");
			args->restore = optarg;
			break;
		case OPT_PAUSED:
			args->paused = true;
			break;
		case OPT_INCOMING:
			if (!optarg[0])
				return usage_error("--incoming: no address given");
			args->incoming = optarg;
			break;
		case OPT_DISPLAY:
			/* "--display 1280x720" as well as "--display=1280x720". */
			if (!optarg && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
				optarg = argv[optind++];
			if ((r = parse_display(optarg, cfg)))
				return r;
			break;
		case OPT_VNC:
			if ((r = parse_vnc(optarg, args)))
				return r;
			break;
		case OPT_HELP:
			run_usage(stdout);
			return -1;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((r = check_restore(args, machine_opts)))
		return r;
	if (args->incoming && (machine_opts || args->restore || args->paused))
		return usage_error("--incoming %s: the source sends the machine's configuration; "
				   "only --api-socket and --verbose go with it", args->incoming);
	if (cfg->iommu && cfg->pit)
		return usage_error("--pit and --iommu: KVM's PIT needs its in-kernel IOAPIC, "
				   "which cannot remap interrupts");
	if (cfg->initrd_path && !cfg->kernel_path)
		return usage_error("%s needs --kernel: the built-in guest takes no initrd", "--initrd");
	if (args->vnc && !cfg->display_width) {
		cfg->display_width = DISPLAY_DEFAULT_WIDTH;
		cfg->display_height = DISPLAY_DEFAULT_HEIGHT;
	}
	/* A screen wants a tablet: the guest's pointer is where the viewer's is, no drift. */
	if (cfg->display_width && !input_given)
		cfg->input = INPUT_VIRTIO;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct machine_config cfg;
	struct run_args args;
	int r = run_parse_api(argc, argv, &cfg, &args);

	if (r < 0)
		return 0;	/* --help */
	if (r)
		return r;
	if (args.restore)
		return api_restore_run(args.restore, args.paused, args.api_socket);
	if (args.incoming)
		return api_incoming_run(args.incoming, args.api_socket);
	if (args.vnc)
		return vnc_run(&cfg, &args.vnc_opts, args.api_socket);
	return args.api_socket ? api_machine_run(&cfg, args.api_socket) : machine_run(&cfg);
}
