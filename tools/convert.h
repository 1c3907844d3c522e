/*
 * convert.h: `memspike convert`, the CNN-to-SNN front end.
 */
#ifndef CONVERT_H
#define CONVERT_H

/* Run `memspike convert ARGS...` (argv after the command word); returns
   the exit status (0, 1 run-time failure, 2 usage or bad input). */
int cmd_convert(int argc, char **argv);

#endif
