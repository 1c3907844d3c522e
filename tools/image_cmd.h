/*
 * image_cmd.h: `memspike image`, one image through a feature-map model on
 * the crossbar, ADC path against analog activation neurons (image_cmd.c).
 */
#ifndef IMAGE_CMD_H
#define IMAGE_CMD_H

/* Run `memspike image ARGS...` (argv after the command word); returns the
   exit status (0, 1 run-time failure, 2 usage or bad input). */
int cmd_image(int argc, char **argv);

#endif
