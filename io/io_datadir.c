/*
 * io_datadir.c: the data-directory search path (io_datadir.h).  Owns a
 * small table of resolved file paths (io_datadir_file), kept until exit.
 */
#include "io_datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEMSPIKE_DATADIR
#define MEMSPIKE_DATADIR "/usr/local/share/memspike" /* the Makefile sets it */
#endif

#define PATH_LEN 4096

static int is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The checkout that holds the running binary: dirname(dirname(exe)), when
   it has configs/.  0 when unknown (no /proc, or an installed binary). */
static int source_tree(char *out, size_t n)
{
  char exe[PATH_LEN];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0)
    return 0;
  exe[len] = '\0';
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(exe, '/');
    if (!slash)
      return 0;
    *slash = '\0';
  }
  char probe[PATH_LEN + 16];
  snprintf(probe, sizeof probe, "%s/configs", exe[0] ? exe : "/");
  if (!is_dir(probe) || strlen(exe) >= n)
    return 0;
  snprintf(out, n, "%s", exe[0] ? exe : "/");
  return 1;
}

int io_datadir_get(int i, char *out, size_t n)
{
  const char *env = getenv("MEMSPIKE_DATADIR");
  char tree[PATH_LEN];
  const char *dirs[4];
  int k = 0;
  if (env && env[0])
    dirs[k++] = env;
  dirs[k++] = ".";
  if (source_tree(tree, sizeof tree))
    dirs[k++] = tree;
  dirs[k++] = MEMSPIKE_DATADIR;
  if (i < 0 || i >= k)
    return 0;
  snprintf(out, n, "%s", dirs[i]);
  return 1;
}

const char *io_datadir_installed(void)
{
  return MEMSPIKE_DATADIR;
}

/* ------------------------------------------------------------------ */
/* Resolved paths, one per distinct rel; a handful in any run.          */

#define MAX_FILES 16
static struct {
  char rel[256];
  char path[PATH_LEN];
} files[MAX_FILES];
static int nfiles;

const char *io_datadir_file(const char *rel)
{
  for (int j = 0; j < nfiles; j++)
    if (!strcmp(files[j].rel, rel))
      return files[j].path;
  static char scratch[PATH_LEN]; /* when the table is full (not expected) */
  char *path = nfiles < MAX_FILES && strlen(rel) < sizeof files[0].rel ? files[nfiles].path
                                                                         : scratch;
  char dir[PATH_LEN];
  int found = 0;
  for (int i = 0; !found && io_datadir_get(i, dir, sizeof dir); i++) {
    int w = strcmp(dir, ".") ? snprintf(path, PATH_LEN, "%s/%s", dir, rel)
                             : snprintf(path, PATH_LEN, "%s", rel);
    found = w > 0 && w < PATH_LEN && access(path, R_OK) == 0; /* a cut path is no hit */
  }
  if (!found)
    snprintf(path, PATH_LEN, "%s/%s", MEMSPIKE_DATADIR, rel);
  if (path != scratch)
    snprintf(files[nfiles++].rel, sizeof files[0].rel, "%s", rel);
  return path;
}
