/*
 * signal_pipe.h: the self-pipe that turns signals into readable-fd events.
 *
 * The handler only records which signal arrived and writes one byte; the
 * dispatcher reads the pipe in its loop and runs the real callbacks there.
 * There is one pipe per process; a forked child makes its own.
 */
#ifndef PFORKD_SIGNAL_PIPE_H
#define PFORKD_SIGNAL_PIPE_H

#ifdef NSIG
#define SIGNAL_LIMIT	NSIG
#else
#define SIGNAL_LIMIT	65
#endif

int	signal_pipe_open(void);
void	signal_pipe_forget_inherited(void);
int	signal_pipe_catch(int signal_number);
int	signal_pipe_restore(int signal_number, int ignore);
void	signal_pipe_drain(void);
int	signal_pipe_take(int signal_number);

#endif /* PFORKD_SIGNAL_PIPE_H */
