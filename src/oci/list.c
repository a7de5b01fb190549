#include "oci/list.h"
#include "oci/cgroup.h"
#include "oci/state.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int oci_list(const char *root, bool json, bool quiet)
{
	DIR *d = opendir(root);
	json_t *out = json_array();
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d && errno != ENOENT) {
		pr_err("--root %s: %s", root, strerror(errno));
		return 1;
	}
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !container_id_valid(e->d_name))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	if (!json && !quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (i = 0; i < n; i++) {
		struct container c;
		enum container_status st;

		if (state_load(&c, root, names[i]))
			continue;
		st = container_status(&c);
		if (quiet)
			printf("%s\n", c.id);
		else if (!json)
			printf("%-12s %-8d %-10s %-40s %-30s %s\n", c.id,
			       st == ST_STOPPED ? 0 : (int)c.pid, status_name(st), c.bundle,
			       c.created, c.owner);
		else
			json_array_append_new(out, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
				"ociVersion", "1.0.2", "id", c.id,
				"pid", st == ST_STOPPED ? 0 : (int)c.pid, "status", status_name(st),
				"bundle", c.bundle, "rootfs", c.rootfs, "created", c.created,
				"owner", c.owner));
		state_free(&c);
		free(names[i]);
	}
	free(names);
	if (json)
		json_dumpf(out, stdout, JSON_COMPACT), putchar('\n');
	json_decref(out);
	return 0;
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Print the header and the lines of `ps` whose PID column is one of @pids. */
static int filter_ps(FILE *f, const pid_t *pids, size_t n)
{
	char line[4096];
	int col = -1, i;

	if (!fgets(line, sizeof(line), f))
		return -1;
	fputs(line, stdout);
	{
		char copy[4096], *tok, *save;

		snprintf(copy, sizeof(copy), "%s", line);
		for (i = 0, tok = strtok_r(copy, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save), i++)
			if (!strcmp(tok, "PID"))
				col = i;
	}
	if (col < 0) {
		pr_err("ps: its output has no PID column");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char copy[4096], *tok, *save;

		snprintf(copy, sizeof(copy), "%s", line);
		for (i = 0, tok = strtok_r(copy, " \t\n", &save); tok && i < col; i++)
			tok = strtok_r(NULL, " \t\n", &save);
		if (tok && has_pid(pids, n, strtol(tok, NULL, 10)))
			fputs(line, stdout);
	}
	return 0;
}

int oci_ps(const char *root, const char *id, bool json, char **ps_args)
{
	struct container c;
	pid_t *pids = NULL;
	size_t n = 0, i;
	int fds[2], rc = 1;
	pid_t child;
	FILE *f;

	if (state_load(&c, root, id))
		return 1;
	if (cgroup_pids(c.cgroup, &pids, &n))
		goto out;
	if (json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		json_dumpf(a, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(a);
		rc = 0;
		goto out;
	}
	if (pipe(fds) || (child = fork()) < 0) {
		pr_err("ps: %s", strerror(errno));
		goto out;
	}
	if (child == 0) {
		char *def[] = { "ps", "-ef", NULL };

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (ps_args && ps_args[0])
			ps_args[-1] = "ps";
		execvp("ps", ps_args && ps_args[0] ? ps_args - 1 : def);
		dprintf(STDERR_FILENO, "vessel: error: ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	rc = f && !filter_ps(f, pids, n) ? 0 : 1;
	if (f)
		fclose(f);
	waitpid(child, NULL, 0);
out:
	free(pids);
	state_free(&c);
	return rc;
}
